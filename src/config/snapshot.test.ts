import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig } from "./load.js";
import { readConfigSnapshot, snapshotPath, writeConfigSnapshot } from "./snapshot.js";

test("a config snapshot is used only for the exact text, file and state dir it was made from", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-snapshot-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "upkeep.yaml");
  const text = "state_dir: ./state\nservices:\n  web:\n    command: [sleep, '5']\n    listen: [8080]\n";
  writeFileSync(file, text);
  const loaded = loadConfig(file);
  assert.ok(loaded.ok);
  mkdirSync(loaded.config.stateDir);
  writeConfigSnapshot(loaded.config);

  assert.deepEqual(readConfigSnapshot(loaded.config.stateDir, file, text), loaded.config);
  assert.equal(readConfigSnapshot(loaded.config.stateDir, file, `${text}# edited\n`), null, "another text");
  assert.equal(readConfigSnapshot(join(dir, "other"), file, text), null, "another state dir");
  assert.equal(readConfigSnapshot(loaded.config.stateDir, join(dir, "x.yaml"), text), null, "another file");
  writeFileSync(snapshotPath(loaded.config.stateDir), "{ not json");
  assert.equal(
    readConfigSnapshot(loaded.config.stateDir, file, text),
    null,
    "a broken snapshot is no snapshot",
  );
  assert.equal(readFileSync(file, "utf8"), text);
});
