import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Exposition, escapeLabelValue, formatValue } from "./exposition.js";

/** Reads a label value back as Prometheus's parser does: the inverse of escapeLabelValue. */
function unescapeLabelValue(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

test("any label value survives escaping: one line, no bare quote, read back unchanged", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom('a"b', "a\\b", "a\nb", '\\"')),
      (value) => {
        const escaped = escapeLabelValue(value);
        assert.ok(!escaped.includes("\n"), "no newline is left");
        assert.ok(!/(^|[^\\])(\\\\)*"/.test(escaped), `no unescaped quote in ${escaped}`);
        assert.equal(unescapeLabelValue(escaped), value);
      },
    ),
    { numRuns: 2000 },
  );
});

test("families render with HELP and TYPE first, labels escaped, values in the format's words", () => {
  const text = new Exposition()
    .family("upkeep_x", "gauge", 'a "help"\\ over\ntwo lines')
    .sample({ service: 'we"b\\1\n' }, 1)
    .sample({}, NaN)
    .single("upkeep_y_total", "counter", "y", Infinity, { kind: "a" })
    .render();
  assert.equal(
    text,
    [
      '# HELP upkeep_x a "help"\\\\ over\\ntwo lines',
      "# TYPE upkeep_x gauge",
      'upkeep_x{service="we\\"b\\\\1\\n"} 1',
      "upkeep_x NaN",
      "# HELP upkeep_y_total y",
      "# TYPE upkeep_y_total counter",
      'upkeep_y_total{kind="a"} +Inf',
      "",
    ].join("\n"),
  );
  assert.equal(formatValue(-Infinity), "-Inf");
  assert.equal(formatValue(0.25), "0.25");
});

test("a family begun twice, a bad metric or label name, and a sample without a family are refused", () => {
  assert.throws(() => new Exposition().family("a", "gauge", "").family("a", "gauge", ""), /begun twice/);
  assert.throws(() => new Exposition().family("1a", "gauge", ""), /not valid/);
  assert.throws(() => new Exposition().family("a", "gauge", "").sample({ "bad-name": "x" }, 1), /not valid/);
  assert.throws(() => new Exposition().family("a", "gauge", "").sample({ __name__: "x" }, 1), /not valid/);
  assert.throws(() => new Exposition().sample({}, 1), /before family/);
});
