import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { UpkeepError } from "../core/errors.js";
import { acquireInstanceLock, lockHolderPid } from "./instance-lock.js";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-lock-"));
  dirs.push(dir);
  return dir;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

test("daemons racing on a fresh state dir agree on one key: exactly one holds the lock", async () => {
  const dir = freshDir();
  const results = await Promise.allSettled([1, 2, 3, 4].map(() => acquireInstanceLock(dir)));
  const won = results.filter((r) => r.status === "fulfilled");
  assert.equal(won.length, 1);
  for (const r of results) {
    if (r.status === "fulfilled") continue;
    assert.ok(r.reason instanceof UpkeepError, String(r.reason));
    assert.equal(r.reason.code, "DAEMON_ALREADY_RUNNING");
    assert.equal(r.reason.details.pid, process.pid, "the proven holder is this process");
  }
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith("lock-key")),
    ["lock-key.1"],
    "one key file, no temp file left",
  );
  assert.equal(await lockHolderPid(dir), process.pid);
  await close((won[0] as PromiseFulfilledResult<Server>).value);
  assert.equal(await lockHolderPid(dir), null, "released on close");
  await close(await acquireInstanceLock(dir));
});

test("a key file others can read is refused, naming the file and the fix", async () => {
  const dir = freshDir();
  await close(await acquireInstanceLock(dir));
  chmodSync(join(dir, "lock-key.1"), 0o644);
  await assert.rejects(acquireInstanceLock(dir), (err: UpkeepError) => {
    assert.equal(err.code, "STATE_DIR_UNUSABLE");
    assert.match(err.message, /lock-key\.1 has mode 644/);
    assert.match(err.hint ?? "", /rm .*lock-key\.1/);
    return true;
  });
});
