import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { loadConfigText, type LoadResult } from "./load.js";

// Config text comes from the operator, from importers and over the API (reload-config): any
// text must yield a config or a list of problems, each with its position; it must never throw.
const dir = mkdtempSync(join(tmpdir(), "upkeep-fuzz-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const FILE = join(dir, "upkeep.yaml");

const KEYS = [
  ...["services", "state_dir", "http", "socket_group", "command", "type", "cwd", "env", "env_file"],
  ...["user", "group", "restart", "backoff", "initial", "max", "factor", "jitter", "reset_after"],
  ...["start_limit", "burst", "interval", "retry_after", "stop", "signal", "timeout", "reload_signal"],
  ...["logs", "max_size", "keep", "timestamps", "ready", "health", "tcp", "http", "exec", "log", "path"],
  ...["notify", "every", "failures", "restart_on", "condition", "after", "requires", "instances"],
  ...["on_required_failure", "limits", "memory", "cpu", "window", "children", "listen", "pidfile"],
  ...["match", "cmdline", "comm", "start", "start_timeout", "body", "count", "name", "listen"],
  ...["web", "db", "w@", "a@b", "@", "", "__proto__", "constructor", "toString", "valueOf", "x.y"],
  ...["on", "min_interval", "webhook", "email", "url", "smtp", "sendmail", "from", "to", "starttls"],
  ...["ca_file", "user", "password_file", "password_env", "secret_file", "secret_env", "retries"],
];
const SCALARS = [
  ...["0", "250ms", "1m30s", "-1s", "10MB", "1constructor", "SIGTERM", "SIGKILL", "9", "KILL"],
  ...["always", "no", "on-failure", "simple", "notify", "oneshot", "forking", "external"],
  ...["127.0.0.1:80", "[::1]:0", ":99999", "http://127.0.0.1:1/x", "/dev/null", "/dev/zero", "/"],
  ...["./rel", "~", "~/x", "{instance}", "x{", "a b", "#", "'", '"', "\\", "\u0000", "\uFFFF", "é"],
  ...["crash", "recovered", "smtp://:25", "smtps://h:1", "smtp://u:p@h", "a@b", "required", "PATH"],
];
const scalar = fc.oneof(
  fc.constantFrom<unknown>(...SCALARS, null, true, false, 0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie("value")), {
        maxLength: 6,
      })
      .map((entries) => Object.fromEntries(entries)),
  ),
}));
const serviceMap = fc
  .array(fc.tuple(fc.constantFrom("web", "db", "w@", "a@b", "__proto__", "constructor", ""), value), {
    maxLength: 3,
  })
  .map((entries) => Object.fromEntries(entries));
const configLike = fc
  .record({ services: serviceMap, notify: value, extra: value }, { requiredKeys: [] })
  .map((doc) => stringify(doc));
/** A text with a few characters changed: near-valid YAML that trips the parser's corners. */
const mutated = fc
  .tuple(
    configLike,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom("\t", ":", "-", " ", "\n", "[", "{", "&a", "*a", "!!", "|", ">", "%", "'", '"'),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([text, edits]) =>
    edits.reduce((t, [at, insert]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      return t.slice(0, i) + insert + t.slice(i);
    }, text),
  );

function checkResult(result: LoadResult): void {
  if (result.ok) return;
  assert.ok(result.problems.length > 0, "a failed load names at least one problem");
  for (const p of result.problems) {
    assert.equal(typeof p.message, "string");
    assert.ok(p.line >= 1 && p.column >= 1, `${p.line}:${p.column}`);
  }
}

test("any YAML text loads to a config or to problems with positions, never an exception", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), configLike, mutated), (text) => {
      checkResult(loadConfigText(text, FILE, { stateDirOverride: join(dir, "state") }));
    }),
    { numRuns: 1500 },
  );
});
