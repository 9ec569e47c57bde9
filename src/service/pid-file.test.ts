import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { native } from "../core/native.js";
import { pidFilePath, removePidFile, sparePidFilePath, writePidFile } from "./pid-file.js";

const dir = mkdtempSync(join(tmpdir(), "upkeep-pid-file-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the PID file holds the PID alone; a new PID replaces it, and removal leaves no PID file", async () => {
  await writePidFile(dir, "web", 1234);
  assert.equal(readFileSync(pidFilePath(dir, "web"), "utf8"), "1234");
  await writePidFile(dir, "web", 98765);
  assert.equal(readFileSync(pidFilePath(dir, "web"), "utf8"), "98765");
  await writePidFile(dir, "web", 7);
  assert.equal(
    readFileSync(pidFilePath(dir, "web"), "utf8"),
    "7",
    "a shorter PID leaves nothing of the longer one",
  );
  removePidFile(dir, "web");
  assert.equal(existsSync(pidFilePath(dir, "web")), false);
  assert.deepEqual(
    readdirSync(join(dir, "pids")).filter((name) => !name.startsWith(".")),
    [],
    "nothing visible is left",
  );
  removePidFile(dir, "web"); // already gone: no error
});

test(
  "after the first restart the PID file is swapped with a spare: no write creates a file",
  { skip: native === null ? "needs the native addon's renameat2 (RENAME_EXCHANGE)" : false },
  async () => {
    const inodes = new Set<number>();
    for (let pid = 100; pid < 106; pid++) {
      await writePidFile(dir, "db", pid);
      inodes.add(statSync(pidFilePath(dir, "db")).ino);
      assert.equal(readFileSync(pidFilePath(dir, "db"), "utf8"), String(pid));
    }
    assert.equal(inodes.size, 2, "two inodes take turns");
    removePidFile(dir, "db");
    assert.ok(existsSync(sparePidFilePath(dir, "db")), "the removed file's inode is kept as the spare");
    await writePidFile(dir, "db", 200);
    assert.ok(inodes.has(statSync(pidFilePath(dir, "db")).ino), "the next start reuses it");
  },
);
