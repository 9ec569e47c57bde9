import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ERROR_CATALOGUE, UpkeepError } from "./errors.js";

const DOC = new URL("../../../docs/errors.md", import.meta.url);

test("docs/errors.md has one row per error code with the catalogue's exit code and HTTP status", () => {
  const doc = readFileSync(DOC, "utf8");
  const rows = new Map(
    [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d) \| (\d+) \|/gm)].map((m) => [
      m[1],
      { exit: Number(m[2]), http: Number(m[3]) },
    ]),
  );
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    assert.deepEqual(
      rows.get(code),
      { exit: entry.exit, http: entry.http },
      `docs/errors.md row for ${code}`,
    );
  }
  assert.equal(
    rows.size,
    Object.keys(ERROR_CATALOGUE).length,
    "docs/errors.md lists codes the catalogue does not have",
  );
});

test("an UpkeepError carries its code's exit code, HTTP status, hint and details", () => {
  const err = new UpkeepError("CONFIG_BAD_VALUE", "bad", { hint: "fix it", details: { line: 3 } });
  assert.equal(err.exitCode, 2);
  assert.equal(err.httpStatus, 400);
  assert.deepEqual(err.toJSON(), {
    code: "CONFIG_BAD_VALUE",
    message: "bad",
    hint: "fix it",
    details: { line: 3 },
  });
});
