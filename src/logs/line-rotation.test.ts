import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { measureOpenLine, planPiece, type PieceInput } from "./line-rotation.js";

const base = { size: 0, openLine: 0, maxSize: 100, indexFull: false, indexOverrun: false };
const plan = (input: Partial<Omit<PieceInput, "data">> & { data: string }) =>
  planPiece({ ...base, ...input, data: Buffer.from(input.data) });

test("a chunk that fits is written whole", () => {
  assert.deepEqual(plan({ size: 50, data: "x".repeat(49) + "\n" }), {
    rotateBefore: false,
    bytes: 50,
    cutAfter: false,
  });
});

test("a chunk that crosses the limit is split after its last newline that fits", () => {
  const data = "a".repeat(9) + "\n" + "b".repeat(9) + "\n" + "c".repeat(20);
  assert.deepEqual(plan({ size: 75, data }), { rotateBefore: false, bytes: 20, cutAfter: false });
});

test("no newline fits: rotate first when the file ends a line, else finish the line in it", () => {
  assert.deepEqual(plan({ size: 95, data: "y".repeat(20) + "\n" }), {
    rotateBefore: true,
    bytes: 0,
    cutAfter: false,
  });
  assert.deepEqual(plan({ size: 95, openLine: 30, data: "y".repeat(20) + "\nz\n" }), {
    rotateBefore: false,
    bytes: 21,
    cutAfter: false,
  });
});

test("a line longer than max_size is cut after max_size bytes of it", () => {
  assert.deepEqual(plan({ data: "L".repeat(250) }), { rotateBefore: false, bytes: 100, cutAfter: true });
  assert.deepEqual(plan({ size: 120, openLine: 90, data: "L".repeat(30) + "\n" }), {
    rotateBefore: false,
    bytes: 10,
    cutAfter: true,
  });
  assert.deepEqual(plan({ size: 150, openLine: 150, data: "L\n" }), {
    rotateBefore: false,
    bytes: 0,
    cutAfter: true,
  });
});

test("a full index rotates at the next line end; past twice the limit a line is no longer waited for", () => {
  assert.deepEqual(plan({ size: 10, indexFull: true, data: "ok\n" }), {
    rotateBefore: true,
    bytes: 0,
    cutAfter: false,
  });
  assert.deepEqual(plan({ size: 10, openLine: 4, indexFull: true, data: "abc" }), {
    rotateBefore: false,
    bytes: 3,
    cutAfter: false,
  });
  assert.deepEqual(plan({ size: 10, openLine: 4, indexFull: true, indexOverrun: true, data: "abc" }), {
    rotateBefore: false,
    bytes: 3,
    cutAfter: true,
  });
});

test("measureOpenLine reads back to the last newline, and stops past the limit", () => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-line-"));
  try {
    const file = join(dir, "f");
    writeFileSync(file, "one\n" + "t".repeat(5000) + "\n" + "tail");
    const fd = openSync(file, "r");
    try {
      assert.equal(measureOpenLine(fd, 5009, 100_000), 4);
      assert.equal(measureOpenLine(fd, 5005, 100_000), 0);
      assert.equal(measureOpenLine(fd, 5004, 100_000), 5000);
      assert.ok(measureOpenLine(fd, 5004, 1000) > 1000);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
