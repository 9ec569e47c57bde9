import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { checkSize, formatSize, parseSize } from "./size.js";

// Sizes come from config files: whatever the text, checkSize answers ok or a reason, and
// never throws; an unknown unit is named as such, whatever its letters.
const KNOWN = new Set(["", "b", "k", "kb", "kib", "m", "mb", "mib", "g", "gb", "gib", "t", "tb", "tib"]);
const unitText = fc.oneof(
  fc.stringMatching(/^[A-Za-z_]{0,12}$/),
  fc.constantFrom("KiB", "MB", "constructor", "__proto__", "toString", "valueOf", "hasOwnProperty"),
);
const unknownUnit = fc
  .oneof(fc.stringMatching(/^[A-Za-z]{1,12}$/), fc.constantFrom("constructor", "toString", "valueOf"))
  .filter((unit) => !KNOWN.has(unit.toLowerCase()));
const amount = fc.oneof(
  fc.nat().map(String),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom("-1", "9".repeat(30), "1e3"),
);
const sizeLike = fc.tuple(amount, fc.constantFrom("", " "), unitText).map((p) => p.join(""));

test("checkSize never throws: ok with a safe whole number of bytes ≥ 0, or a reason", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), sizeLike), (text) => {
      const result = checkSize(text);
      if (result.ok) assert.ok(Number.isSafeInteger(result.bytes) && result.bytes >= 0, String(result.bytes));
      else assert.ok(result.reason.length > 0);
    }),
    { numRuns: 3000 },
  );
});

test("a unit of letters that is not a size unit is reported unknown, never as a number", () => {
  fc.assert(
    fc.property(fc.nat({ max: 1000 }), unknownUnit, (n, unit) => {
      assert.deepEqual(checkSize(`${n}${unit}`), { ok: false, reason: `unknown unit '${unit}'` });
    }),
    { numRuns: 2000 },
  );
});

test("formatSize is read back by parseSize to the same bytes", () => {
  fc.assert(
    fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (bytes) => {
      assert.equal(parseSize(formatSize(bytes)), bytes);
    }),
    { numRuns: 2000 },
  );
});
