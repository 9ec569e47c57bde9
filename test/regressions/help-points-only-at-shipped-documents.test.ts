import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { COMMANDS } from "../../src/cli/command-table.js";
import { renderHelp } from "../../src/cli/help.js";
import { REPO_ROOT } from "../helpers/daemon.js";

// `upkeep help status` ended with "Docs: docs/cli/status.md in upkeep's source", and the pages
// pointed at docs/store.md, SPEC §6 and src/api/wire.ts: files an installed package does not
// have. What must never happen again: a help text, or a page the man pages are built from
// (docs/cli/*.md, docs/config.md), that sends the reader to a file of the source tree, or a
// command's help without examples.
const SOURCE_TREE = /\bdocs\/|\bSPEC\b|\bsrc\/|\.md\b/;

test("every help names its man page and shows examples, and no help points into the source tree", () => {
  const visible = COMMANDS.filter((c) => c.hidden !== true);
  const overview = renderHelp(COMMANDS, undefined);
  assert.doesNotMatch(overview, SOURCE_TREE);
  assert.match(overview, /See also: .*man upkeep\b/);
  for (const spec of visible) {
    const help = renderHelp(COMMANDS, spec);
    assert.doesNotMatch(help, SOURCE_TREE, `${spec.name}: help`);
    assert.match(help, /\nExamples:\n {2}\S/, `${spec.name}: examples`);
    assert.ok(help.includes(`man upkeep-${spec.name.replaceAll(" ", "-")}`), `${spec.name}: its man page`);
  }
});

test("the pages the man pages are built from point only at other man pages", () => {
  // The sources scripts/build-man.mjs builds pages from: README.md (upkeep.1), help.md, each
  // command's page, and the config's.
  const cli = join(REPO_ROOT, "docs/cli");
  const commandPages = COMMANDS.filter((c) => c.hidden !== true).map((c) =>
    join(cli, `${c.name.replaceAll(" ", "-")}.md`),
  );
  const sources = [
    join(cli, "README.md"),
    join(cli, "help.md"),
    ...commandPages,
    join(REPO_ROOT, "docs/config.md"),
  ];
  for (const page of sources) {
    // Links between pages (`[status.md](status.md)`) become man page references when built.
    const text = readFileSync(page, "utf8").replace(/\]\([a-z-]+\.md\)/g, "]()");
    for (const [i, line] of text.split("\n").entries()) {
      assert.doesNotMatch(
        line,
        /\bdocs\/[a-z]|\bSPEC\b|\b(src|scripts|dist)\/[a-z]|\.\.\/[a-z-]+\.md/,
        `${page}:${i + 1}`,
      );
    }
  }
});
