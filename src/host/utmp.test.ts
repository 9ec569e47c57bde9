import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { parseUtmp, readLoggedInUsers, UTMP_RECORD_BYTES } from "./utmp.js";

/** One glibc x86_64/arm64 `struct utmp` record. */
function record(type: number, user: string, line: string, host: string, seconds: number): Buffer {
  const buf = Buffer.alloc(UTMP_RECORD_BYTES);
  buf.writeInt16LE(type, 0);
  buf.writeInt32LE(4242, 4);
  buf.write(line, 8, 32);
  buf.write(user, 44, 32);
  buf.write(host, 76, 256);
  buf.writeInt32LE(seconds, 340);
  buf.writeInt32LE(500_000, 344);
  return buf;
}

test("utmp: only USER_PROCESS records are sessions, with user, tty, remote host and login time", () => {
  const data = Buffer.concat([
    record(2, "reboot", "~", "6.1.0", 1_700_000_000), // BOOT_TIME
    record(7, "alice", "pts/0", "203.0.113.9", 1_700_000_100),
    record(8, "bob", "pts/1", "", 1_700_000_200), // DEAD_PROCESS: logged out
    record(7, "root", "tty1", "", 1_700_000_300),
    Buffer.alloc(100), // a partial record at the end (a write in progress) is ignored
  ]);
  assert.deepEqual(parseUtmp(data), [
    { user: "alice", line: "pts/0", host: "203.0.113.9", since: 1_700_000_100_500 },
    { user: "root", line: "tty1", host: "", since: 1_700_000_300_500 },
  ]);
});

test("utmp: a missing file is no session and a note, never an error", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-utmp-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(await readLoggedInUsers(join(dir, "absent")), {
    users: [],
    note: `${join(dir, "absent")} absent (no login records on this host)`,
  });
  const file = join(dir, "utmp");
  writeFileSync(file, record(7, "carol", "pts/3", "", 1_700_000_000));
  assert.equal((await readLoggedInUsers(file)).users[0]?.user, "carol");
});

test("utmp: a FIFO at its path is not read (it would block a thread for ever)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-utmp-fifo-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, "utmp");
  execFileSync("mkfifo", [fifo]);
  assert.deepEqual(await readLoggedInUsers(fifo), {
    users: [],
    note: `${fifo} is not a regular file: not read`,
  });
});

test("utmp: any bytes parse without throwing (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: UTMP_RECORD_BYTES * 3 }), (bytes) => {
      for (const user of parseUtmp(Buffer.from(bytes))) assert.equal(typeof user.user, "string");
    }),
  );
});
