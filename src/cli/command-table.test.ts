import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { COMMANDS } from "./command-table.js";
import { renderHelp } from "./help.js";

const SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT CODES", "EXAMPLES"];

/** docs/cli of this checkout: found upwards from the test file, else from the working dir. */
function findDocsDir(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, "docs", "cli", "README.md"))) return join(dir, "docs", "cli");
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error("docs/cli/README.md not found above the test file or the working directory");
}

const DOCS = findDocsDir();
const VISIBLE = COMMANDS.filter((c) => c.hidden !== true);

function sectionsOf(text: string): string[] {
  return [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1] ?? "");
}

function section(text: string, name: string): string {
  const start = text.indexOf(`## ${name}\n`);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

test("every command has a page in docs/cli with the same sections, in order", () => {
  const readme = readFileSync(join(DOCS, "README.md"), "utf8");
  for (const spec of VISIBLE) {
    const page = `${spec.name.replace(" ", "-")}.md`;
    const text = readFileSync(join(DOCS, page), "utf8");
    assert.deepEqual(sectionsOf(text), SECTIONS, `${page} has the sections ${SECTIONS.join(", ")}`);
    assert.ok(readme.includes(`(${page})`), `README.md links ${page}`);
    assert.ok(
      section(text, "SYNOPSIS").includes(`${spec.name} ${spec.usage}`.trimEnd()),
      `${page}: synopsis matches the parser`,
    );
    const options = section(text, "OPTIONS");
    for (const flag of spec.flags) {
      const named = [flag.long, flag.short].filter((n) => n !== undefined);
      assert.ok(
        named.some((n) => options.includes(`\`${n}`)),
        `${page} documents ${named.join("/")}`,
      );
    }
  }
});

test("the help pages show every command and each command's flags", () => {
  const overview = renderHelp(COMMANDS, undefined);
  for (const spec of COMMANDS.filter((c) => c.hidden === true))
    assert.ok(!overview.includes(spec.name), `overview hides ${spec.name}`);
  for (const spec of VISIBLE) {
    assert.ok(
      overview.includes(`  ${spec.name} `) || overview.includes(`  ${spec.name}\n`),
      `overview lists ${spec.name}`,
    );
    const page = renderHelp(COMMANDS, spec);
    for (const flag of spec.flags)
      assert.ok(page.includes(flag.long ?? flag.short ?? "?"), `${spec.name} help shows ${flag.key}`);
    assert.match(page, /--help/);
    assert.ok((spec.examples ?? []).length > 0, `${spec.name}: the table gives examples for its help`);
    assert.match(page, /\nExamples:\n {2}\S/, `${spec.name} help has examples`);
    assert.ok(
      page.includes(`See also: man upkeep-${spec.name.replace(" ", "-")}`),
      `${spec.name} names its man page`,
    );
  }
});
