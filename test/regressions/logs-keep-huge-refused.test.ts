import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// `logs: { keep: 1000000000 }` passed `config check`, and every rotation then walked a billion
// generations (one rename attempt each) on the daemon's thread: supervision stopped at the
// first rotation. What must never happen again: a `keep` the daemon cannot rotate through,
// accepted without a word.
const env = new TestEnv();
after(() => env.teardown());

const config = (keep: string): string =>
  `services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n    logs: { max_size: 1KB, keep: ${keep} }\n`;

test("logs.keep above 1000 is refused naming the key, the line and the valid range", () => {
  env.writeConfig(config("1000000000"));
  const bad = env.cli("config", "check");
  assert.equal(bad.code, 2, bad.stdout);
  assert.match(
    bad.stderr + bad.stdout,
    /upkeep\.yaml:\d+:\d+: services\.t\.logs\.keep: out of range \(got 1000000000; expected an integer from 0 to 1000\)/,
  );
  env.writeConfig(config("1000"));
  const ok = env.cli("config", "check");
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
});
