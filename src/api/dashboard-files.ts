/**
 * The dashboard's files, built by scripts/bundle.mjs into dist/web/ (index.html and hashed
 * assets), read once when the listener starts and served from memory, gzipped when the
 * browser takes it. index.html is revalidated each time (ETag); a hashed asset never changes
 * and is cached for a year. Nothing is fetched from elsewhere at run time: the CSP says so.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { lazyBuiltin } from "../core/lazy-builtin.js";

const zlib = lazyBuiltin<typeof import("node:zlib")>("node:zlib");

/** No inline script or style, nothing from another origin, no framing. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".map": "application/json",
};

interface File {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
  immutable: boolean;
}

/**
 * Where the built dashboard is: dist/web/, two folders up from this module both when it runs
 * compiled (dist/src/api/) and bundled (dist/bundle/cli/).
 */
export function defaultWebDir(): string {
  return fileURLToPath(new URL("../../web/", import.meta.url));
}

/** The dashboard's files by URL path, or an empty map when it was not built. */
export function loadDashboardFiles(dir: string): Map<string, File> {
  const files = new Map<string, File>();
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch (err) {
    console.warn(`upkeep: the dashboard is not built (${(err as Error).message}); run npm run build`);
    return files;
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = readFileSync(join(dir, name));
    const gzip = body.length > 512 ? zlib().gzipSync(body, { level: 9 }) : null;
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    files.set(`/${name}`, { type, body, gzip, etag, immutable: name.startsWith("assets/") });
  }
  const index = files.get("/index.html");
  if (index !== undefined) files.set("/", index);
  return files;
}

/** Answers a GET or HEAD for a dashboard file; false when the path is not one. */
export function serveDashboardFile(
  files: Map<string, File>,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): boolean {
  const file = files.get(path);
  if (file === undefined || (req.method !== "GET" && req.method !== "HEAD")) return false;
  const headers: Record<string, string | number> = {
    "content-type": file.type,
    etag: file.etag,
    "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    vary: "accept-encoding",
  };
  if (file.type.startsWith("text/html")) headers["content-security-policy"] = DASHBOARD_CSP;
  if (req.headers["if-none-match"] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  const gzip = file.gzip !== null && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  const body = gzip && file.gzip !== null ? file.gzip : file.body;
  if (gzip) headers["content-encoding"] = "gzip";
  headers["content-length"] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}
