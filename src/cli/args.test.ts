import assert from "node:assert/strict";
import { test } from "node:test";
import { UpkeepError } from "../core/errors.js";
import { parseArgv } from "./args.js";
import type { ParsedCommand } from "./command-spec.js";
import { COMMANDS } from "./command-table.js";

function run(...argv: string[]): ParsedCommand {
  const result = parseArgv(argv, COMMANDS);
  if (result.kind !== "run") assert.fail(`expected a command for ${argv.join(" ")}, got ${result.kind}`);
  return result.command;
}

function usage(argv: string[], message: RegExp, hint?: RegExp): void {
  assert.throws(
    () => parseArgv(argv, COMMANDS),
    (err: unknown) => {
      assert.ok(err instanceof UpkeepError);
      assert.equal(err.code, "USAGE_INVALID");
      assert.equal(err.exitCode, 2);
      assert.match(err.message, message);
      if (hint) assert.match(err.hint ?? "", hint);
      return true;
    },
  );
}

test("global flags before the command are read in both spellings", () => {
  const parsed = run("--config", "a.yaml", "--state-dir=/tmp/s", "status", "--json");
  assert.deepEqual(parsed.globals, { config: "a.yaml", stateDir: "/tmp/s" });
  assert.equal(parsed.spec.name, "status");
  assert.deepEqual(parsed.flags, { json: true });
});

test("-n takes its value attached or as the next word, --stream with = or a space", () => {
  assert.equal(run("logs", "web", "-n", "20").flags.lines, 20);
  assert.equal(run("logs", "-n20", "web").flags.lines, 20);
  assert.equal(run("logs", "web", "--lines=7").flags.lines, 7);
  assert.equal(run("logs", "web", "--stream=err").flags.stream, "err");
  assert.equal(run("logs", "web", "--stream", "out").flags.stream, "out");
  assert.deepEqual(run("logs", "web", "-fn5").flags, { follow: true, lines: 5 });
  assert.deepEqual(run("logs", "web", "-n", "20").positionals, ["web"]);
});

test("names and --all select the services of an action, --force is kept", () => {
  const named = run("start", "web", "db", "--force");
  assert.deepEqual(named.positionals, ["web", "db"]);
  assert.equal(named.flags.force, true);
  assert.equal(run("stop", "--all").flags.all, true);
  assert.equal(run("reset", "web@hostA").spec.name, "reset");
});

test("config check is a two-word command; -- ends the flags", () => {
  assert.equal(run("config", "check").spec.name, "config check");
  assert.deepEqual(run("status", "--", "--json").positionals, ["--json"]);
});

test("help and version are recognised wherever they are asked for", () => {
  assert.deepEqual(parseArgv(["--version"], COMMANDS), { kind: "version" });
  assert.deepEqual(parseArgv(["-V"], COMMANDS), { kind: "version" });
  assert.equal(parseArgv(["--help"], COMMANDS).kind, "help");
  const topic = parseArgv(["help", "config", "check"], COMMANDS);
  assert.ok(topic.kind === "help" && topic.topic?.name === "config check");
  const flag = parseArgv(["logs", "--help"], COMMANDS);
  assert.ok(flag.kind === "help" && flag.topic?.name === "logs");
  const none = parseArgv([], COMMANDS);
  assert.ok(none.kind === "help" && none.missing === true);
});

test("an unknown flag is named, with a close guess and the valid flags", () => {
  usage(
    ["status", "--jsn"],
    /status: unknown flag '--jsn' \(did you mean --json\?\)/,
    /--json, --check, -q\/--quiet, -h\/--help/,
  );
  usage(["logs", "web", "-x"], /logs: unknown flag '-x'/, /-n\/--lines/);
  usage(["--bogus", "status"], /^unknown flag '--bogus'/, /--config, --state-dir/);
});

test("a global flag after the command says where it belongs", () => {
  usage(["status", "--config", "x.yaml"], /--config is a global flag and goes before the command/);
});

test("bad flag values say what was expected", () => {
  usage(["logs", "web", "-n", "abc"], /-n\/--lines expects a whole number .* got 'abc'/);
  usage(["logs", "web", "-n", "-3"], /expects a whole number/);
  usage(["logs", "web", "--stream=foo"], /--stream expects one of: out, err; got 'foo'/);
  usage(["logs", "web", "-n"], /-n needs a value \(N\)/);
  usage(["status", "--json=yes"], /--json takes no value/);
  usage(["--config"], /--config needs a value \(FILE\)/);
  usage(["--config=", "status"], /--config needs a non-empty FILE/);
});

test("wrong positionals are usage errors naming the command", () => {
  usage(["start"], /start: which services\? give one or more NAME or --all/);
  usage(["stop", "web", "--all"], /give service names or --all, not both/);
  usage(["logs"], /logs: missing NAME/);
  usage(["logs", "a", "b"], /logs takes at most 1 NAME; unexpected: 'b'/);
  usage(["events", "a", "b"], /events takes at most 1 NAME/);
  usage(["shutdown", "now"], /shutdown takes no arguments; unexpected: 'now'/);
});

test("unknown commands and subcommands list what exists", () => {
  usage(["stauts"], /unknown command 'stauts' \(did you mean 'status'\?\)/, /commands: daemon, status, ps/);
  usage(["import", "pm2"], /unknown command 'import'/);
  usage(["config"], /config: missing subcommand/, /upkeep config check/);
  usage(["config", "lint"], /config: unknown subcommand 'lint'/);
  usage(["help", "nope"], /unknown command 'nope'/);
});
