import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cgroupPids } from "../../src/identity/cgroup.js";

// cgroup files were read into one shared 64 KiB buffer, cut at its size: the cgroup.procs of a
// service with some ten thousand processes (a pre-fork server, a fork bomb) is longer, so its
// members past 64 KiB were missing from every stop, tree and metrics read, and the last PID
// read was cut in the middle of its digits: another number, perhaps another live process.
// What must never happen again: a cgroup's PID list is shortened or ends in a cut PID,
// however long it is. (A folder laid out like a cgroup: making 12000 real processes is not a
// test one can run on a shared machine.)
const dir = mkdtempSync(join(tmpdir(), "upkeep-procs-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a cgroup.procs longer than 64 KiB is read whole", () => {
  const pids = Array.from({ length: 12_000 }, (_, i) => 1_000_000 + i * 7);
  const text = pids.map((pid) => `${pid}\n`).join("");
  assert.ok(text.length > 64 * 1024, "the list is longer than the shared buffer");
  writeFileSync(join(dir, "cgroup.procs"), text);
  writeFileSync(join(dir, "cgroup.stat"), "nr_descendants 0\nnr_dying_descendants 0\n");
  assert.deepEqual(cgroupPids(dir), pids);
});
