import assert from "node:assert/strict";
import { test } from "node:test";
import { RED } from "./colour.js";
import { renderTable } from "./table.js";

test("columns align on the widest cell and the last column has no trailing blanks", () => {
  const out = renderTable(
    ["A", "BB", "C"],
    [
      ["xxx", "y", "z"],
      ["p", "qqqq", "r"],
    ],
    false,
  );
  assert.equal(out, "A    BB    C\nxxx  y     z\np    qqqq  r\n");
});

test("colour codes do not shift the columns", () => {
  const out = renderTable(
    ["S", "N"],
    [
      [{ text: "failed", paint: RED }, "1"],
      ["ok", "2"],
    ],
    true,
  );
  const lines = out.split("\n");
  assert.equal(lines[1], `${RED("failed")}  1`);
  assert.equal(lines[2], "ok      2");
  const plain = renderTable(["S", "N"], [[{ text: "failed", paint: RED }, "1"]], false);
  assert.ok(!plain.includes("\u001b["), "no escape codes when colour is off");
});
