import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { COMMANDS } from "../../src/cli/command-table.js";
import { REPO_ROOT } from "../helpers/daemon.js";

// upkeep had no shell completion: an operator typed service names from memory, and a script
// had to be written by hand for each shell. What must never happen again: the script that
// `upkeep completion SHELL` prints, loaded in the real shell, fails to offer a service name of
// the config (read from the config file alone: no daemon runs in this test), a command of the
// command table, or the config that `--config` on the typed line names.
const dir = mkdtempSync(join(tmpdir(), "upkeep-completion-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
mkdirSync(bin);
symlinkSync(join(REPO_ROOT, "bin/upkeep"), join(bin, "upkeep"));
const project = join(dir, "project");
mkdirSync(project);
writeFileSync(
  join(project, "upkeep.yaml"),
  "state_dir: ./state\nhttp: false\nservices:\n" +
    '  webfront:\n    command: [sleep, "1000"]\n    instances: [hostA, hostB]\n' +
    '  database:\n    command: [sleep, "1000"]\n',
);
const other = join(dir, "other.yaml");
writeFileSync(other, 'http: false\nservices:\n  billing:\n    command: [sleep, "1000"]\n');
const env = { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}`, HOME: dir };

function script(shell: string): string {
  const r = spawnSync(join(bin, "upkeep"), ["completion", shell], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const file = join(dir, `completion.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

function run(program: string, args: string[], cwd = project): string {
  const r = spawnSync(program, args, { encoding: "utf8", cwd, env, timeout: 30_000 });
  assert.equal(r.status, 0, `${program} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

const visibleWords = [
  ...new Set(COMMANDS.filter((c) => c.hidden !== true).map((c) => c.name.split(" ")[0] as string)),
];

test("bash: the script registers _upkeep and offers service names, commands and --config's names", () => {
  const file = script("bash");
  // The words as bash's completion hands them: COMP_WORDS, COMP_CWORD, then the function.
  const complete = (words: string[], cwd = project): string[] => {
    const quoted = words.map((w) => `'${w}'`).join(" ");
    return lines(
      run(
        "bash",
        [
          "--norc",
          "--noprofile",
          "-c",
          `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _upkeep; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        cwd,
      ),
    );
  };
  assert.match(
    run("bash", ["--norc", "--noprofile", "-c", `source '${file}'; complete -p upkeep`]),
    /-F _upkeep upkeep/,
  );
  assert.deepEqual(complete(["upkeep", "start", "w"]), ["webfront", "webfront@hostA", "webfront@hostB"]);
  assert.deepEqual(
    complete(["upkeep", "stop", "database", "d"]),
    [],
    "a name already typed is not offered again",
  );
  assert.deepEqual(complete(["upkeep", "--config", other, "logs", ""], dir), ["billing"]);
  assert.deepEqual(complete(["upkeep", "logs", "database", "--stream", ""]), ["out", "err"]);
  assert.deepEqual(complete(["upkeep", "status", "--ch"]), ["--check"]);
  const commands = complete(["upkeep", ""]);
  for (const word of visibleWords) assert.ok(commands.includes(word), `offers the command ${word}`);
  assert.ok(!commands.some((c) => c.startsWith("__")), "the hidden call-back is not offered");
});

test("zsh: the script, after compinit, lists the service names on TAB", { skip: skipWithout("zsh") }, () => {
  const file = script("zsh");
  // A real interactive zsh on a pseudo-terminal (zsh's own zpty): type, press TAB twice, read.
  const driver = join(dir, "drive.zsh");
  writeFileSync(
    driver,
    `zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z 'autoload -Uz compinit && compinit -u -D; source ${file}; print READY-$((6*7))'
out=""
for i in {1..100}; do zpty -r -t z chunk && out+=$chunk; [[ $out == *READY-42* ]] && break; sleep 0.1; done
zpty -w -n z $'upkeep start web\\t\\t'
out=""
for i in {1..100}; do zpty -r -t z chunk && out+=$chunk; [[ $out == *webfront@hostB* ]] && break; sleep 0.1; done
zpty -d z
print -r -- "$out"
`,
  );
  const out = run("zsh", ["-f", driver]);
  assert.match(out, /webfront@hostA/);
  assert.match(out, /webfront@hostB/);
});

test("fish: the script offers service names with a description", { skip: skipWithout("fish") }, () => {
  const file = script("fish");
  const complete = (line: string): string[] =>
    lines(run("fish", ["--no-config", "-c", `source ${file}; complete -C '${line}'`]));
  assert.deepEqual(complete("upkeep restart web"), [
    "webfront\tservice",
    "webfront@hostA\tservice",
    "webfront@hostB\tservice",
  ]);
  assert.deepEqual(complete(`upkeep --config ${other} reset b`), ["billing\tservice"]);
  const commands = complete("upkeep ").map((l) => l.split("\t")[0]);
  for (const word of visibleWords) assert.ok(commands.includes(word), `offers the command ${word}`);
});

/** A reason to skip when the shell is not installed (scripts/install-test-deps.sh installs it). */
function skipWithout(shell: string): string | false {
  return existsSync(`/usr/bin/${shell}`) || existsSync(`/bin/${shell}`)
    ? false
    : `${shell} is not installed (scripts/install-test-deps.sh installs it)`;
}
