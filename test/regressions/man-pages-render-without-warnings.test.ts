import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { COMMANDS } from "../../src/cli/command-table.js";
import { REPO_ROOT } from "../helpers/daemon.js";

// upkeep shipped no manual pages: `man upkeep` found nothing, and the only documentation was
// markdown in the source tree. What must never happen again: `node scripts/build-man.mjs
// OUTDIR` (what a package build runs) leaves out a page, writes one that man renders with a
// warning (a table wider than the line, a bad escape), or an upkeep(1) that does not name
// every command of the command table.
const out = mkdtempSync(join(tmpdir(), "upkeep-man-"));
after(() => rmSync(out, { recursive: true, force: true }));

const commands = COMMANDS.filter((c) => c.hidden !== true);
const pageOf = (name: string): string => `upkeep-${name.replaceAll(" ", "-")}`;

function render(file: string): string {
  const r = spawnSync("man", ["--warnings", "-l", file], {
    encoding: "utf8",
    env: { ...process.env, MANWIDTH: "80", MANPAGER: "cat", PAGER: "cat", LANG: "C.UTF-8" },
  });
  assert.equal(r.status, 0, `man -l ${file}: ${r.stderr}`);
  assert.equal(r.stderr, "", `man -l ${file} renders without warnings`);
  return r.stdout;
}

test("build-man writes upkeep.1, one page per command and upkeep.yaml.5, each rendering cleanly", () => {
  const built = spawnSync(process.execPath, [join(REPO_ROOT, "scripts/build-man.mjs"), out], {
    encoding: "utf8",
    env: { ...process.env, SOURCE_DATE_EPOCH: "1767225600" },
  });
  assert.equal(built.status, 0, built.stderr);
  const expected = [
    "upkeep.1",
    "upkeep-help.1",
    "upkeep.yaml.5",
    ...commands.map((c) => `${pageOf(c.name)}.1`),
  ].sort();
  assert.deepEqual(readdirSync(out).sort(), expected);

  const overview = render(join(out, "upkeep.1"));
  assert.match(overview, /^UPKEEP\(1\)/);
  for (const c of commands) assert.ok(overview.includes(`${pageOf(c.name)}(1)`), `upkeep(1) names ${c.name}`);
  assert.match(overview, /January 2026/, "the date comes from SOURCE_DATE_EPOCH (reproducible)");

  for (const c of commands) {
    const text = render(join(out, `${pageOf(c.name)}.1`));
    assert.match(text, new RegExp(`^${pageOf(c.name).toUpperCase()}\\(1\\)`), `${c.name}: title`);
    assert.ok(
      text
        .replace(/-\n\s+/g, "-")
        .replace(/\s+/g, " ")
        .includes(`${pageOf(c.name)} - ${c.summary}`),
      `${c.name}: NAME line from the table`,
    );
    for (const section of ["SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT CODES", "EXAMPLES", "SEE ALSO"])
      assert.match(text, new RegExp(`^${section}$`, "m"), `${c.name}: ${section}`);
    assert.ok(!/\.md\b/.test(text), `${c.name}: no pointer to a markdown file`);
  }

  assert.match(render(join(out, "upkeep-help.1")), /^UPKEEP-HELP\(1\)/);
  assert.ok(!/\.md\b/.test(overview), "upkeep(1) points at no markdown file");
  const config = render(join(out, "upkeep.yaml.5"));
  assert.match(config, /^UPKEEP\.YAML\(5\)/);
  assert.match(config, /state_dir/);
});
