import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { REPO_ROOT } from "../helpers/daemon.js";

// Never again: `ca_file` was held to the cap of a secret (64 KiB, "mode 0600"), so pointing it
// at the system's CA bundle (/etc/ssl/certs/ca-certificates.crt is over 200 KiB) failed config
// check. A CA file is public and may be a whole bundle: up to 4 MiB is taken; a file larger
// than that is still refused, by name.
const dir = mkdtempSync(join(tmpdir(), "upkeep-ca-file-"));

function check(caFile: string): { code: number | null; out: string } {
  const config = join(dir, "upkeep.yaml");
  writeFileSync(
    config,
    `notify:\n  email:\n    smtp: smtp://127.0.0.1:25\n    from: a@example.com\n    to: b@example.com\n` +
      `    ca_file: ${caFile}\nservices:\n  t:\n    command: ["sleep", "1"]\n`,
  );
  const r = spawnSync(join(REPO_ROOT, "bin", "upkeep"), ["--config", config, "config", "check"], {
    encoding: "utf8",
    env: { ...process.env, UPKEEP_STATE_DIR: join(dir, "state") },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("ca_file", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a bundle the size of the system's (300 KiB, mode 0644) passes config check", () => {
    const bundle = join(dir, "bundle.crt");
    writeFileSync(bundle, "# a CA bundle\n".repeat((300 * 1024) / 14), { mode: 0o644 });
    const r = check(bundle);
    assert.doesNotMatch(r.out, /ca_file/, r.out);
    assert.equal(r.code, 0, r.out);
  });

  test("a file over 4 MiB is still refused, by name", () => {
    const huge = join(dir, "huge.crt");
    writeFileSync(huge, Buffer.alloc(4 * 1024 * 1024 + 1, 65));
    const r = check(huge);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /ca_file: cannot read ca_file .*huge\.crt: is larger than 4 MiB/);
  });
});
