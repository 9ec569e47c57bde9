#!/usr/bin/env node
// The package's install script (docs/install.md, "Prebuilt binaries and fallbacks").
// In a checkout (src/ is there): builds the addon from source with node-gyp, and fails when
// that fails, as `npm ci` always did. In an installed package: nothing to do when the prebuilt
// addon for this platform loads; else a source build with node-gyp (needs make, a C compiler,
// python3 and Node's headers); and when that fails too, the install still succeeds: upkeep runs
// its pure-Node paths, and says so in one line here and at every daemon start.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PLATFORM = `${process.platform}-${process.arch}`;

/** node-gyp as npm provides it to install scripts, else the one on PATH. */
function runNodeGyp(stdio) {
  const gyp = process.env.npm_config_node_gyp;
  const [command, args] = gyp ? [process.execPath, [gyp, "rebuild"]] : ["node-gyp", ["rebuild"]];
  const result = spawnSync(command, args, { cwd: ROOT, stdio, encoding: "utf8" });
  if (result.error) return { ok: false, why: result.error.message };
  if (result.status === 0) return { ok: true };
  const lines = `${result.stderr ?? ""}`.split("\n").filter((line) => /error|not found|ENOENT/i.test(line));
  const last = lines.at(-1)?.replace(/^gyp ERR! (stack )?/, "").trim();
  return { ok: false, why: last || `node-gyp exited with ${result.status ?? result.signal}` };
}

/** Why `file` cannot be loaded by this Node, or null when it loads. */
function loadError(file) {
  if (!existsSync(file)) return `no ${file.slice(ROOT.length + 1)}`;
  try {
    createRequire(import.meta.url)(file);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
}

if (existsSync(join(ROOT, "src"))) {
  const built = runNodeGyp("inherit");
  process.exit(built.ok ? 0 : 1);
}

const prebuilt = loadError(join(ROOT, "prebuilds", PLATFORM, "upkeep_native.node"));
if (prebuilt === null) process.exit(0);
const built = runNodeGyp(["ignore", "ignore", "pipe"]);
if (built.ok && loadError(join(ROOT, "build/Release/upkeep_native.node")) === null) {
  console.error(
    `upkeep: no usable prebuilt native addon for ${PLATFORM} (${prebuilt}): built it from source`,
  );
  process.exit(0);
}
rmSync(join(ROOT, "build"), { recursive: true, force: true }); // nothing half-built is loaded later
console.error(
  `upkeep: no native addon for ${PLATFORM} (prebuilt: ${prebuilt}; source build: ${built.why ?? "does not load"}): upkeep will use its pure-Node fallbacks (docs/install.md, "Fallbacks")`,
);
