import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { UpkeepError } from "./errors.js";
import { resolveGroup, resolveUser } from "./users.js";

const dir = mkdtempSync(join(tmpdir(), "upkeep-users-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const passwd = join(dir, "passwd");
const group = join(dir, "group");
writeFileSync(
  passwd,
  "# comment\nroot:x:0:0:root:/root:/bin/bash\n\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nbare:x:1200:1300:::\n",
);
writeFileSync(group, "root:x:0:\nwww-data:x:33:\nseon:x:4711:alice,bob\n");

function isUnknown(err: unknown): boolean {
  return err instanceof UpkeepError && err.code === "SERVICE_USER_UNKNOWN" && (err.hint ?? "").length > 0;
}

test("resolveUser reads uid, gid, home and shell by name", () => {
  assert.deepEqual(resolveUser("www-data", passwd), {
    uid: 33,
    gid: 33,
    home: "/var/www",
    shell: "/usr/sbin/nologin",
  });
  assert.deepEqual(resolveUser("bare", passwd), { uid: 1200, gid: 1300, home: "/", shell: "/bin/sh" });
});

test("resolveUser accepts a numeric uid, with or without a passwd entry", () => {
  assert.deepEqual(resolveUser("33", passwd), {
    uid: 33,
    gid: 33,
    home: "/var/www",
    shell: "/usr/sbin/nologin",
  });
  assert.deepEqual(resolveUser("5000", passwd), { uid: 5000, gid: 5000, home: "/", shell: "/bin/sh" });
});

test("resolveUser rejects an unknown name with SERVICE_USER_UNKNOWN and a hint", () => {
  assert.throws(() => resolveUser("nosuchuser", passwd), isUnknown);
  assert.throws(() => resolveUser("root", join(dir, "missing")), isUnknown);
});

test("resolveUser reads the real /etc/passwd by default", () => {
  assert.equal(resolveUser("root").uid, 0);
});

test("resolveGroup resolves names and numbers, and rejects unknown names", () => {
  assert.deepEqual(resolveGroup("seon", group), { gid: 4711 });
  assert.deepEqual(resolveGroup("4712", group), { gid: 4712 });
  assert.throws(() => resolveGroup("nosuchgroup", group), isUnknown);
  assert.deepEqual(resolveGroup("root"), { gid: 0 });
});
