#!/usr/bin/env node
// Builds the manual pages into OUTDIR: `node scripts/build-man.mjs OUTDIR`.
//   upkeep.1            from docs/cli/README.md, with every command of the command table
//   upkeep-COMMAND.1    from docs/cli/COMMAND.md, one per command of the table (not hidden ones)
//   upkeep-help.1       from docs/cli/help.md (help and --version)
//   upkeep.yaml.5       from docs/config.md
// The markdown is turned into roff by remark-man (the unified project's man compiler); what
// this script adds is the page's name line from the command table, and two rewrites of the
// markdown tree that man needs: links between the pages become page references
// (`status.md` → upkeep-status(1)), and GFM tables become lists, because tbl lays a table out
// on one line per row (rows wider than the terminal, and a `@` in a cell, which remark-man's
// tables use as the column separator, breaks the row).
// The command table comes from the compiled dist/src/cli/command-table.js: run `npm run build`
// (which runs this script into dist/man/) or `tsc` first.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import remarkGfm from "remark-gfm";
import remarkMan from "remark-man";
import remarkParse from "remark-parse";
import { unified } from "unified";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TABLE = join(ROOT, "dist/src/cli/command-table.js");
const MANUAL = "upkeep manual";

function fail(message, hint) {
  process.stderr.write(`build-man: ${message}\n  hint: ${hint}\n`);
  process.exit(2);
}

/** The page a docs/cli link points at, as a man page reference; null when no page is built from it. */
function pageReference(url, built) {
  if (url === "README.md") return "upkeep(1)";
  if (url === "../config.md" || url === "config.md") return "upkeep.yaml(5)";
  const match = /^([a-z][a-z-]*)\.md$/.exec(url);
  return match && built.has(`upkeep-${match[1]}`) ? `upkeep-${match[1]}(1)` : null;
}

/** A GFM table as a list: `**first cell**` (header: cell; …): last cell, one item per row. */
function tableToList(table) {
  const [head, ...rows] = table.children;
  const headers = head.children.map((cell) => cell.children);
  const text = (value) => ({ type: "text", value });
  const items = rows.map((row) => {
    const cells = row.children.map((cell) => cell.children);
    const [first = [], ...rest] = cells;
    const last = rest.length > 0 ? rest.pop() : [];
    const middle = rest.flatMap((cell, i) => [
      ...(i > 0 ? [text("; ")] : []),
      ...(headers[i + 1] ?? []),
      text(": "),
      ...cell,
    ]);
    const children = [
      { type: "strong", children: first },
      ...(middle.length > 0 ? [text(" ("), ...middle, text(")")] : []),
      ...(last.length > 0 ? [text(": "), ...last] : []),
    ];
    return { type: "listItem", spread: false, children: [{ type: "paragraph", children }] };
  });
  return { type: "list", ordered: false, spread: false, children: items };
}

/** Rewrites the markdown tree for man (see the file's comment). */
function rewriteForMan({ title, dropNameSection, built }) {
  return (tree) => {
    const visit = (node) => {
      if (!node.children) return;
      node.children = node.children.map((child) => {
        const node = child.type === "table" ? tableToList(child) : child;
        if (node.type === "link") {
          const reference = pageReference(node.url, built);
          if (reference !== null) return { type: "inlineCode", value: reference };
        }
        visit(node);
        return node;
      });
    };
    visit(tree);
    const children = tree.children;
    const h1 = children.findIndex((n) => n.type === "heading" && n.depth === 1);
    const heading = { type: "heading", depth: 1, children: [{ type: "text", value: title }] };
    if (h1 === -1) children.unshift(heading);
    else children[h1] = heading;
    // Text between the title and the first section (README, config.md) gets a section of its
    // own: under the title it would read as part of NAME.
    const first = children.indexOf(heading);
    if (children[first + 1] && children[first + 1].type !== "heading")
      children.splice(first + 1, 0, {
        type: "heading",
        depth: 2,
        children: [{ type: "text", value: "DESCRIPTION" }],
      });
    if (dropNameSection) {
      const start = children.findIndex(
        (n) => n.type === "heading" && n.depth === 2 && n.children[0]?.value === "NAME",
      );
      if (start !== -1) {
        let end = start + 1;
        while (end < children.length && !(children[end].type === "heading" && children[end].depth <= 2))
          end += 1;
        children.splice(start, end - start);
      }
    }
  };
}

/** One page: markdown file → roff text. */
async function renderPage({
  source,
  name,
  section,
  description,
  dropNameSection,
  seeAlso,
  version,
  date,
  built,
}) {
  const markdown = readFileSync(source, "utf8");
  const file = await unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(rewriteForMan, { title: `${name}(${section}) -- ${description}`, dropNameSection, built })
    .use(remarkMan, { manual: MANUAL, version, date })
    .process(markdown);
  // No hyphenation and a ragged right margin, as most tools' pages do: option names, key
  // paths and error codes are words to copy, not to split ("CON-FIG_BAD_VALUE").
  const roff = String(file).replace(/^(\.TH .*\n)/m, "$1.nh\n.ad l\n");
  return `${roff.trimEnd()}\n${seeAlsoSection(seeAlso)}`;
}

/** `.SH SEE ALSO` with bold page names; `\%` keeps a name whole (no break at its hyphens). */
function seeAlsoSection(references) {
  if (references.length === 0) return "";
  const items = references.map((ref) => {
    const [, name, section] = /^(.*)\((\w+)\)$/.exec(ref);
    return `\\fB\\%${name}\\fR(${section})`;
  });
  return `.SH "SEE ALSO"\n${items.join(",\n")}\n`;
}

async function main() {
  const outDir = process.argv[2];
  if (!outDir) fail("no output folder given", "usage: node scripts/build-man.mjs OUTDIR");
  if (!existsSync(TABLE)) fail(`${TABLE} is not built yet`, "run `npm run build` (or `npx tsc`) first");
  const { COMMANDS } = await import(pathToFileURL(TABLE).href);
  const version = `upkeep ${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}`;
  // Reproducible pages: the date of SOURCE_DATE_EPOCH when a package build sets it.
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
  const commands = COMMANDS.filter((c) => c.hidden !== true);
  const pageOf = (c) => `upkeep-${c.name.replaceAll(" ", "-")}`;
  const pages = [
    {
      out: "upkeep.1",
      source: join(ROOT, "docs/cli/README.md"),
      name: "upkeep",
      section: 1,
      description: "keeps daemons running on Linux",
      dropNameSection: false,
      seeAlso: [...commands.map((c) => `${pageOf(c)}(1)`), "upkeep-help(1)", "upkeep.yaml(5)"],
    },
    ...commands.map((c) => ({
      out: `${pageOf(c)}.1`,
      source: join(ROOT, "docs/cli", `${c.name.replaceAll(" ", "-")}.md`),
      name: pageOf(c),
      section: 1,
      description: c.summary,
      dropNameSection: true,
      seeAlso: ["upkeep(1)", "upkeep.yaml(5)"],
    })),
    {
      out: "upkeep-help.1",
      source: join(ROOT, "docs/cli/help.md"),
      name: "upkeep-help",
      section: 1,
      description: "help text and version",
      dropNameSection: true,
      seeAlso: ["upkeep(1)"],
    },
    {
      out: "upkeep.yaml.5",
      source: join(ROOT, "docs/config.md"),
      name: "upkeep.yaml",
      section: 5,
      description: "the upkeep config file",
      dropNameSection: false,
      seeAlso: ["upkeep(1)", "upkeep-config-check(1)", "upkeep-reload-config(1)"],
    },
  ];
  const built = new Set(pages.map((p) => p.name));
  mkdirSync(outDir, { recursive: true });
  for (const page of pages) {
    if (!existsSync(page.source))
      fail(`${page.source} does not exist`, "every command of the table has a page in docs/cli/");
    writeFileSync(join(outDir, page.out), await renderPage({ ...page, version, date, built }));
  }
}

await main();
