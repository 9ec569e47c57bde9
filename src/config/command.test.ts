import { test } from "node:test";
import assert from "node:assert/strict";
import { splitCommand } from "./command.js";

test("a string command is split like a shell splits words", () => {
  const cases: [string, string[]][] = [
    ["node server.js --port 80", ["node", "server.js", "--port", "80"]],
    ["node 'my app.js' \"second arg\"", ["node", "my app.js", "second arg"]],
    ["printf 'a $HOME b'", ["printf", "a $HOME b"]],
    ["echo a\\ b", ["echo", "a b"]],
    ["  spaced   out  ", ["spaced", "out"]],
    ["grep -E 'a|b' '*.log'", ["grep", "-E", "a|b", "*.log"]],
  ];
  for (const [text, argv] of cases) assert.deepEqual(splitCommand(text), { ok: true, argv }, text);
});

test("strings that need a shell are refused with the way to ask for one", () => {
  const cases: [string, RegExp][] = [
    ["node app.js | tee out", /shell operator '\|'/],
    ["make && make install", /shell operator '&&'/],
    ["node app.js > out.log", /shell operator '>'/],
    ["node app.js 2>&1", /shell operator '>&'/],
    ["a; b", /shell operator ';'/],
    ["echo $(date)", /\$\(\.\.\.\) command substitution/],
    ["echo `date`", /backtick/],
    ['node --port "$PORT"', /variable expansion/],
    ["ls *.js", /glob '\*\.js'/],
    ["node app.js # comment", /comment/],
  ];
  for (const [text, reason] of cases) {
    const result = splitCommand(text);
    assert.equal(result.ok, false, text);
    if (!result.ok) {
      assert.match(result.reason, reason, text);
      if (!/comment/.test(text))
        assert.match(result.reason, /upkeep never runs a shell; write \[sh, -c, '\.\.\.'\]/);
    }
  }
});

test("empty commands, unterminated quotes and leading assignments are refused", () => {
  for (const [text, reason] of [
    ["", /empty/],
    ["   ", /empty/],
    ["node 'app.js", /unterminated ' quote/],
    ["PORT=1 node app.js", /environment assignment.*env:/],
  ] as const) {
    const result = splitCommand(text);
    assert.equal(result.ok, false, text);
    if (!result.ok) assert.match(result.reason, reason, text);
  }
});
