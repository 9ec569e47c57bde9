import assert from "node:assert/strict";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { tempPathFor, writeFileAtomic, writeFileAtomicAsync } from "./atomic-write.js";
import { UpkeepError } from "./errors.js";

const dir = mkdtempSync(join(tmpdir(), "upkeep-atomic-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("atomic writes", () => {
  test("temp names are random: two calls for one path never share one, and none is the old pid name", () => {
    const path = join(dir, "a");
    const names = new Set(Array.from({ length: 100 }, () => tempPathFor(path)));
    assert.equal(names.size, 100);
    assert.ok(!names.has(`${path}.tmp-${process.pid}`));
  });

  for (const [kind, write] of [
    [
      "sync",
      // A synchronous throw becomes a rejection, like the async variant's.
      (p: string, d: string, m?: number) => new Promise<void>((resolve) => resolve(writeFileAtomic(p, d, m))),
    ],
    ["async", writeFileAtomicAsync],
  ] as const) {
    test(`${kind}: a symlink at the target is replaced, not followed; the file has the mode asked for`, async () => {
      const victim = join(dir, `victim-${kind}`);
      writeFileSync(victim, "victim");
      const path = join(dir, `linked-${kind}`);
      symlinkSync(victim, path);
      await write(path, "new", 0o600);
      assert.equal(readFileSync(victim, "utf8"), "victim");
      assert.ok(lstatSync(path).isFile());
      assert.equal(lstatSync(path).mode & 0o777, 0o600);
      assert.equal(readFileSync(path, "utf8"), "new");
    });

    test(`${kind}: a failed write is STATE_DIR_UNUSABLE naming the file, and leaves no temp file`, async () => {
      const path = join(dir, `blocked-${kind}`);
      mkdirSync(join(path, "in-the-way"), { recursive: true });
      const err = await write(path, "x").then(
        () => assert.fail("the write must fail"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof UpkeepError);
      assert.equal(err.code, "STATE_DIR_UNUSABLE");
      assert.match(err.message, new RegExp(`cannot write ${path}: `));
      assert.deepEqual(
        readdirSync(dir).filter((name) => name.startsWith(`blocked-${kind}.tmp`)),
        [],
      );
    });
  }
});
