import { test } from "node:test";
import assert from "node:assert/strict";
import { formatNote, formatProblem } from "./format-problem.js";

test("a problem is one line: file:line:col: key.path: message (got X; expected Y)", () => {
  const line = formatProblem({
    code: "CONFIG_BAD_VALUE",
    file: "/etc/upkeep.yaml",
    line: 7,
    column: 14,
    keyPath: "services.web.restart",
    message: "unknown value",
    expected: "one of: always, on-failure, no",
    got: '"sometimes"',
  });
  assert.equal(
    line,
    '/etc/upkeep.yaml:7:14: services.web.restart: unknown value (got "sometimes"; expected one of: always, on-failure, no)',
  );
});

test("a problem without a key path or a found value, and a note, stay on one line", () => {
  const syntax = formatProblem({
    code: "CONFIG_SYNTAX",
    file: "u.yaml",
    line: 2,
    column: 1,
    keyPath: "",
    message: "YAML syntax:\nbad",
    expected: "valid YAML",
  });
  assert.equal(syntax, "u.yaml:2:1: YAML syntax: bad (expected valid YAML)");
  assert.equal(
    formatNote({
      file: "u.yaml",
      line: 4,
      column: 5,
      keyPath: "services.a.listen",
      message: "not yet acted on",
    }),
    "u.yaml:4:5: services.a.listen: note: not yet acted on",
  );
});
