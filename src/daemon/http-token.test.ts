import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { UpkeepError } from "../core/errors.js";
import { ensureHttpToken, tokenPath } from "./http-token.js";

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-token-"));
  dirs.push(dir);
  return dir;
}

test("the token is made 0600 on the first call and kept after", () => {
  const dir = stateDir();
  const first = ensureHttpToken(dir);
  assert.equal(first.created, true);
  assert.equal(statSync(tokenPath(dir)).mode & 0o777, 0o600);
  assert.deepEqual(ensureHttpToken(dir), { token: first.token, created: false });
});

test("a token file others could read, a symlink, or one holding no token is refused with the fix", () => {
  const loose = stateDir();
  ensureHttpToken(loose);
  chmodSync(tokenPath(loose), 0o644);
  assert.throws(
    () => ensureHttpToken(loose),
    (err: unknown) => {
      assert.ok(err instanceof UpkeepError && err.code === "STATE_DIR_UNUSABLE");
      assert.match(err.hint ?? "", /chmod 600/);
      return true;
    },
  );
  const linked = stateDir();
  writeFileSync(join(linked, "elsewhere"), "x".repeat(43), { mode: 0o600 });
  symlinkSync(join(linked, "elsewhere"), tokenPath(linked));
  assert.throws(() => ensureHttpToken(linked), /symlink/);
  const empty = stateDir();
  writeFileSync(tokenPath(empty), "short\n", { mode: 0o600 });
  assert.throws(() => ensureHttpToken(empty), /holds no token/);
});
