import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { UpkeepError } from "../core/errors.js";
import { native } from "../core/native.js";
import { ensureFifo, ensureFifos } from "./make-fifos.js";
import { makeTempDir } from "./service-fixtures.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function logsDir(): string {
  const { dir, cleanup } = makeTempDir("make-fifos");
  cleanups.push(cleanup);
  return dir;
}

/** Mode bits of what is at `path`, and whether it is a FIFO. */
function fifoMode(path: string): { fifo: boolean; mode: number } {
  const stat = lstatSync(path);
  return { fifo: stat.isFIFO(), mode: stat.mode & 0o777 };
}

test("ensureFifos makes every missing FIFO (0600) and keeps the ones there", async () => {
  const dir = logsDir();
  const paths = Array.from({ length: 300 }, (_, i) => join(dir, `s${i}.out.fifo`));
  ensureFifo(paths[7]!);
  const kept = lstatSync(paths[7]!).ino;
  await ensureFifos(paths);
  for (const path of paths) assert.deepEqual(fifoMode(path), { fifo: true, mode: 0o600 }, path);
  assert.equal(lstatSync(paths[7]!).ino, kept, "an existing FIFO is left as it is");
  await ensureFifos(paths); // all there: nothing to do, no error
});

test("a symlink or a file at a FIFO's place is refused and never followed", async () => {
  const dir = logsDir();
  const target = join(dir, "elsewhere");
  symlinkSync(target, join(dir, "a.out.fifo"));
  writeFileSync(join(dir, "b.out.fifo"), "");
  for (const name of ["a.out.fifo", "b.out.fifo"]) {
    const path = join(dir, name);
    await assert.rejects(ensureFifos([join(dir, "ok.fifo"), path]), (err: unknown) => {
      assert.ok(err instanceof UpkeepError);
      assert.equal(err.code, "STATE_DIR_UNUSABLE");
      assert.match(err.message, new RegExp(name.replace(".", "\\.")));
      return true;
    });
    assert.throws(() => ensureFifo(path), /symlink|not a FIFO/);
  }
  assert.throws(() => lstatSync(target), /ENOENT/, "the link's target was not created");
  assert.equal(fifoMode(join(dir, "ok.fifo")).fifo, true);
});

test("a FIFO that cannot be made is an error naming its path", async () => {
  const dir = logsDir();
  const missing = join(dir, "no-such-dir", "a.out.fifo");
  await assert.rejects(ensureFifos([missing]), (err: unknown) => {
    assert.ok(err instanceof UpkeepError);
    assert.equal(err.code, "STATE_DIR_UNUSABLE");
    assert.ok(err.message.includes(native ? missing : "no-such-dir"), err.message);
    return true;
  });
  assert.throws(
    () => ensureFifo(missing),
    (err: unknown) => err instanceof UpkeepError,
  );
});

test("without the addon the mkfifo program makes them (UPKEEP_NATIVE=0)", () => {
  const dir = logsDir();
  mkdirSync(join(dir, "logs"));
  const module = fileURLToPath(new URL("./make-fifos.js", import.meta.url));
  const script = `const m = await import(${JSON.stringify(module)});
    await m.ensureFifos([${JSON.stringify(join(dir, "logs", "a.fifo"))}, ${JSON.stringify(join(dir, "logs", "b.fifo"))}]);
    m.ensureFifo(${JSON.stringify(join(dir, "logs", "c.fifo"))});`;
  execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, UPKEEP_NATIVE: "0" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  for (const name of ["a.fifo", "b.fifo", "c.fifo"])
    assert.deepEqual(fifoMode(join(dir, "logs", name)), { fifo: true, mode: 0o600 });
});
