import { test } from "node:test";
import assert from "node:assert/strict";
import { loadYaml, problemLines, services, validConfig } from "./config-test-kit.js";

const ONE = services({ a: ["command: [d]"] });

test("incidents: defaults when absent, false turns them off, keep and max_age set the retention", (t) => {
  assert.deepEqual(validConfig(loadYaml(t, ONE)).incidents, {
    enabled: true,
    keep: 500,
    maxAgeMs: 30 * 86_400_000,
  });
  assert.equal(validConfig(loadYaml(t, `incidents: false\n${ONE}`)).incidents.enabled, false);
  assert.deepEqual(validConfig(loadYaml(t, `incidents: { keep: 50, max_age: 7d }\n${ONE}`)).incidents, {
    enabled: true,
    keep: 50,
    maxAgeMs: 7 * 86_400_000,
  });
});

test("bad incidents values are problems with their line, column and key path", (t) => {
  const result = loadYaml(t, `incidents: { keep: 0, max_age: 10m, kept: 3 }\n${ONE}`);
  assert.deepEqual(problemLines(result), [
    "1:20 incidents.keep: out of range",
    "1:32 incidents.max_age: it is shorter than 1h",
    "1:37 incidents.kept: unknown key 'kept'",
  ]);
  assert.deepEqual(problemLines(loadYaml(t, `incidents: lots\n${ONE}`)), ["1:12 incidents: wrong type"]);
});
