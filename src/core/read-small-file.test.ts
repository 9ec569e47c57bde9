import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chownSync, lchownSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { quotePrefix, readSmallFile } from "./read-small-file.js";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-small-file-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a small regular file is read whole", (t) => {
  const file = join(tempDir(t), "x.pid");
  writeFileSync(file, "1234\n");
  const read = readSmallFile(file, 4096);
  assert.ok(read.kind === "text");
  assert.equal(read.text, "1234\n");
  // The owner and last write time of the file read, for a pidfile's tie to its process.
  assert.equal(read.uid, process.getuid?.());
  assert.equal(read.mtimeMs, statSync(file).mtimeMs);
});

test("a missing file is absent, not refused", (t) => {
  assert.deepEqual(readSmallFile(join(tempDir(t), "none"), 4096), { kind: "absent" });
});

test("a FIFO is refused at once, without blocking", (t) => {
  const fifo = join(tempDir(t), "x.pid");
  execFileSync("mkfifo", [fifo]);
  assert.deepEqual(readSmallFile(fifo, 4096), {
    kind: "refused",
    reason: "is a FIFO (named pipe), not a regular file",
  });
});

test("a device and a directory are refused", (t) => {
  assert.deepEqual(readSmallFile("/dev/zero", 4096), {
    kind: "refused",
    reason: "is a character device, not a regular file",
  });
  assert.deepEqual(readSmallFile(tempDir(t), 4096), {
    kind: "refused",
    reason: "is a directory, not a regular file",
  });
});

test("a file over the cap is refused; one at the cap is read", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "at"), "x".repeat(10_000));
  writeFileSync(join(dir, "over"), "x".repeat(10_001));
  const at = readSmallFile(join(dir, "at"), 10_000);
  assert.equal(at.kind === "text" ? at.text.length : -1, 10_000);
  assert.deepEqual(readSmallFile(join(dir, "over"), 10_000), {
    kind: "refused",
    reason: "is larger than 10000 bytes",
  });
});

test("a link owned by this user is followed", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "real"), "42\n");
  symlinkSync(join(dir, "real"), join(dir, "link"));
  const linked = readSmallFile(join(dir, "link"), 4096);
  assert.ok(linked.kind === "text");
  assert.equal(linked.text, "42\n");
});

test(
  "a link owned by another user is not followed, and nothing of its target is read",
  { skip: process.getuid?.() !== 0 ? "needs root to make a link owned by another user" : false },
  (t) => {
    const dir = tempDir(t);
    chownSync(dir, 65534, 65534);
    writeFileSync(join(dir, "secret"), "s3cret\n", { mode: 0o600 });
    symlinkSync(join(dir, "secret"), join(dir, "x.pid"));
    lchownSync(join(dir, "x.pid"), 65534, 65534);
    const read = readSmallFile(join(dir, "x.pid"), 4096);
    assert.equal(read.kind, "refused");
    assert.match(read.kind === "refused" ? read.reason : "", /symbolic link owned by uid 65534/);
    assert.doesNotMatch(JSON.stringify(read), /s3cret/);
  },
);

test("quotePrefix quotes a short, printable prefix", () => {
  assert.equal(quotePrefix("abc"), '"abc"');
  assert.equal(quotePrefix("a\u0007b\u00e9", 24), '"a?b?"');
  assert.equal(quotePrefix("x".repeat(30), 4), '"xxxx…"');
});
