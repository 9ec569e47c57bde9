import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { native, nativeLoadError } from "./native.js";

// Run in a process of its own: the check is that everything still works after the release.
const SCRIPT = `
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { native } from ${JSON.stringify(fileURLToPath(new URL("./native.js", import.meta.url)))};
const rssFile = () => Number(/^RssFile:\\s+(\\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
const before = rssFile();
const released = native.releaseStartupPages();
const after = rssFile();
// Code, relocated data and libraries still work: hashing, JSON, regexps, a child process.
const hash = createHash("sha256").update("upkeep").digest("hex");
const json = JSON.parse(JSON.stringify({ a: [1, 2, { b: "c" }] }));
const child = execFileSync("/bin/echo", ["alive"], { encoding: "utf8" });
console.log(JSON.stringify({ before, released, after, hash, json, child, match: /(\\d+)-(\\d+)/.exec("10-20")[2] }));
`;

test(
  "releaseStartupPages gives back clean file pages and the process keeps working",
  { skip: native === null ? `the native addon is not loaded: ${nativeLoadError}` : false },
  () => {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", SCRIPT], { encoding: "utf8" });
    const result = JSON.parse(out) as Record<string, unknown> & {
      before: number;
      released: number;
      after: number;
    };
    assert.ok(result.released > 10 * 1024 * 1024, `released ${result.released} bytes`);
    assert.ok(result.after < result.before - 10 * 1024 * 1024, `RssFile ${result.before} → ${result.after}`);
    assert.equal(result["hash"], "b934e3f7c4a956089103008a9858733ff43c219bcc1b5b31379aecfd4ad5f323");
    assert.deepEqual(result["json"], { a: [1, 2, { b: "c" }] });
    assert.equal(result["child"], "alive\n");
    assert.equal(result["match"], "20");
  },
);
