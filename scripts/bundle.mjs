#!/usr/bin/env node
// Bundles the compiled CLI and daemon (dist/src) into a few files in dist/bundle/cli/ with
// esbuild: the entry chunk holds what every command needs, each command's code is a chunk
// loaded when it runs. Node 20 has no compile cache, and resolving, reading and compiling
// ~150 small ES modules one by one cost the daemon ≈90 ms of its start-up (measured with 200
// services: first line of the daemon's code at 270–290 ms unbundled, 190 ms bundled). The
// CLI's short commands gain nothing measurable; they use the same bundle.
//
// better-sqlite3's JavaScript is bundled too: the npm package of upkeep ships its compiled part
// in prebuilds/ and passes it as `nativeBinding` (src/store/sqlite/binding.ts), so an install
// needs neither better-sqlite3's download of a binary nor a compiler (docs/install.md). Only
// `.node` files stay outside. The output folder sits at the same depth as dist/src/core/, so
// the relative paths to build/Release/ and prebuilds/ in src/core/native-files.ts hold in both.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/bundle", { recursive: true, force: true }); // chunk names change with their content

await build({
  entryPoints: { main: "dist/src/cli/main.js" },
  outdir: "dist/bundle/cli",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["*.node"],
  // ES modules have no `require`; the bundled CommonJS packages (yaml, shell-quote) need one.
  banner: {
    js: 'import { createRequire as __upkeepRequire } from "node:module"; const require = __upkeepRequire(import.meta.url);',
  },
  sourcemap: true,
  logLevel: "warning",
});

// The dashboard (web/): one script and one stylesheet with content hashes in their names (the
// daemon serves them as immutable), and index.html naming them. preact is bundled in: nothing
// is fetched from elsewhere at run time. Measured sizes: docs/dashboard.md.
rmSync("dist/web", { recursive: true, force: true });
const web = await build({
  entryPoints: { app: "web/src/main.tsx" },
  outdir: "dist/web/assets",
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  logLevel: "warning",
});
const outputs = Object.keys(web.metafile.outputs).map((path) => path.slice("dist/web/".length));
const find = (ext) => {
  const found = outputs.find((path) => path.endsWith(ext));
  if (!found) throw new Error(`the dashboard build made no ${ext} file`);
  return found;
};
const page = readFileSync("web/index.html", "utf8")
  .replace("%APP_JS%", find(".js"))
  .replace("%APP_CSS%", find(".css"));
writeFileSync("dist/web/index.html", page);
