import assert from "node:assert/strict";
import { test } from "node:test";
import { checkSize } from "../../src/core/size.js";

// Found by src/core/size.property.test.ts: the unit, lowercased, was looked up in a plain
// object, so `max_size: 10constructor` (in any case) found Object.prototype.constructor and
// came out as "the size is too large" instead of naming the unknown unit.
// What must never happen again: a unit that is not a size unit is reported as unknown.
for (const unit of ["constructor", "Constructor", "toString", "hasOwnProperty", "valueOf"]) {
  test(`10${unit} is an unknown unit`, () => {
    assert.deepEqual(checkSize(`10${unit}`), { ok: false, reason: `unknown unit '${unit}'` });
  });
}
