import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { native } from "../core/native.js";
import { isDelegatedCgroup, SUPERVISOR_LEAF } from "./cgroup-delegation.js";
import { findCgroup2Mount } from "./cgroup-mount.js";

const mount = findCgroup2Mount();
const skip =
  process.getuid?.() !== 0
    ? "needs root to make cgroups and set trusted.* attributes"
    : mount === null
      ? "no cgroup v2 mount"
      : native === null
        ? "needs the native addon (xattrs)"
        : false;
const base =
  mount === null ? "" : join(mount.mountPoint, `upkeep-delegation-unit-${randomBytes(4).toString("hex")}`);

after(() => {
  if (skip !== false) return;
  for (const dir of [join(base, "unit", SUPERVISOR_LEAF), join(base, "unit"), join(base, "theirs"), base]) {
    try {
      rmdirSync(dir);
    } catch {
      // never made (a test failed early): nothing to remove
    }
  }
});

test("a cgroup counts as delegated only with systemd's mark and owned by this user", { skip }, () => {
  const unit = join(base, "unit");
  const theirs = join(base, "theirs");
  mkdirSync(unit, { recursive: true });
  mkdirSync(theirs);
  assert.equal(isDelegatedCgroup(unit), false, "no mark: not delegated");
  native!.setXattr(unit, "trusted.delegate", "0");
  assert.equal(isDelegatedCgroup(unit), false, "a mark other than 1");
  native!.setXattr(unit, "trusted.delegate", "1");
  assert.equal(isDelegatedCgroup(unit), true);
  native!.setXattr(theirs, "trusted.delegate", "1");
  chownSync(theirs, 65534, 65534);
  assert.equal(isDelegatedCgroup(theirs), false, "another user's delegated subtree is not the daemon's");
  assert.equal(isDelegatedCgroup(join(base, "missing")), false, "a cgroup that is gone");
});

test(
  "a process at the top of a delegated cgroup, or in its supervisor leaf, finds the same top",
  { skip },
  () => {
    const unit = join(base, "unit");
    mkdirSync(join(unit, SUPERVISOR_LEAF), { recursive: true });
    native!.setXattr(unit, "trusted.delegate", "1");
    // A child placed in each cgroup reports what it finds (this test's process stays where it is).
    const script = `import("${new URL("./cgroup-delegation.js", import.meta.url).href}").then((m) => process.stdout.write(JSON.stringify(m.findDelegatedCgroup())))`;
    for (const [where, inLeaf] of [
      [unit, false],
      [join(unit, SUPERVISOR_LEAF), true],
    ] as const) {
      const out = execFileSync(
        "sh",
        ["-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', where, process.execPath, "-e", script],
        {
          encoding: "utf8",
        },
      );
      assert.deepEqual(JSON.parse(out), { top: unit, inLeaf }, where);
    }
  },
);
