import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { checkDuration, formatDuration, parseDuration } from "./duration.js";

// Durations come from config files and the command line: whatever the text, checkDuration
// answers ok or a reason, and never throws.
const UNITS = ["ms", "s", "m", "h", "d", "S", "Ms", "us", "y", "", "constructor", "__proto__", "toString"];
const amount = fc.oneof(
  fc.nat().map(String),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom("0", "-1", "1e3", "9".repeat(30), ".5", "1."),
);
const durationLike = fc
  .array(fc.tuple(amount, fc.constantFrom(...UNITS)), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.map(([a, u]) => `${a}${u}`).join(""));
const anyText = fc.oneof(fc.string(), fc.string({ unit: "binary" }), durationLike);

test("checkDuration never throws: ok with a safe whole number of ms ≥ 0, or a reason", () => {
  fc.assert(
    fc.property(anyText, (text) => {
      const result = checkDuration(text);
      if (result.ok) assert.ok(Number.isSafeInteger(result.ms) && result.ms >= 0, String(result.ms));
      else assert.ok(result.reason.length > 0);
    }),
    { numRuns: 3000 },
  );
});

test("formatDuration is read back by parseDuration to the same ms", () => {
  fc.assert(
    fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (ms) => {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }),
    { numRuns: 2000 },
  );
});
