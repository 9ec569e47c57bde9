import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSize, formatSize, parseSize } from "./size.js";
import { UpkeepError } from "./errors.js";

test("parseSize treats KB/MB/GB as 1024-based and accepts KiB/MiB/GiB", () => {
  assert.equal(parseSize("100B"), 100);
  assert.equal(parseSize("512KB"), 512 * 1024);
  assert.equal(parseSize("10MB"), 10 * 1024 * 1024);
  assert.equal(parseSize("10MiB"), 10 * 1024 * 1024);
  assert.equal(parseSize("1GiB"), 1024 ** 3);
  assert.equal(parseSize("1gb"), 1024 ** 3);
  assert.equal(parseSize("1.5K"), 1536);
  assert.equal(parseSize("4096"), 4096);
});

test("parseSize rejects garbage with a reason", () => {
  for (const [text, reason] of [
    ["10 parsecs", /unknown unit 'parsecs'/],
    ["-1MB", /negative/],
    ["big", /number followed by a unit/],
    ["1.5", /whole bytes/],
  ] as const) {
    const result = checkSize(text);
    assert.equal(result.ok, false, text);
    if (!result.ok) assert.match(result.reason, reason);
  }
  assert.throws(
    () => parseSize("lots"),
    (err: unknown) => err instanceof UpkeepError && err.code === "CONFIG_BAD_VALUE",
  );
});

test("formatSize uses the largest exact binary unit", () => {
  assert.equal(formatSize(10 * 1024 * 1024), "10MiB");
  assert.equal(formatSize(1536), "1536B");
  assert.equal(formatSize(100), "100B");
  assert.equal(parseSize(formatSize(3 * 1024 ** 3)), 3 * 1024 ** 3);
});
