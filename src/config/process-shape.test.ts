import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfigText } from "./load.js";
import { changedShapeKeys, processShapeOf } from "./process-shape.js";

function serviceOf(body: string) {
  const loaded = loadConfigText(`services:\n  web:\n${body}`, "/tmp/upkeep-shape-unit/upkeep.yaml");
  assert.ok(loaded.ok, JSON.stringify(loaded));
  return loaded.config.services[0]!;
}

test("a shape keeps digests, never values, and names every process-shaping key", () => {
  const shape = processShapeOf(serviceOf(`    command: [node, server.js]\n    env: { TOKEN: s3cret }\n`));
  assert.deepEqual(Object.keys(shape), [
    "type",
    "command",
    "cwd",
    "env_file",
    "env_inherit",
    "env.TOKEN",
    "user",
    "group",
  ]);
  assert.ok(!JSON.stringify(shape).includes("s3cret"));
  for (const digest of Object.values(shape)) assert.match(digest, /^[0-9a-f]{16}$/);
});

test("changed keys are named in plan order; env entries added or removed count; live keys do not", () => {
  const before = processShapeOf(
    serviceOf(`    command: [node, a.js]\n    env: { A: "1", GONE: x }\n    restart: always\n`),
  );
  const after = processShapeOf(
    serviceOf(`    command: [node, b.js]\n    env: { A: "2", NEW: y }\n    restart: "no"\n`),
  );
  assert.deepEqual(changedShapeKeys(before, after), ["command", "env.A", "env.GONE", "env.NEW"]);
  assert.deepEqual(changedShapeKeys(after, after), []);
});
