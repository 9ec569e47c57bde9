import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

const CASES: { what: string; yaml: string; expect: RegExp }[] = [
  {
    what: "an unknown key",
    yaml: "services:\n  web:\n    comand: [sleep, '1']\n",
    expect: /upkeep\.yaml:4:5: services\.web\.comand: .*unknown key.*command/,
  },
  {
    what: "a wrong type",
    yaml: "services:\n  web:\n    command: [sleep, '1']\n    env: [A]\n",
    expect: /upkeep\.yaml:5:10: services\.web\.env: /,
  },
  {
    what: "a bad enum value",
    yaml: "services:\n  web:\n    command: [sleep, '1']\n    restart: sometimes\n",
    expect: /upkeep\.yaml:5:14: services\.web\.restart: .*always, on-failure, no/,
  },
  {
    what: "a bad duration",
    yaml: "services:\n  web:\n    command: [sleep, '1']\n    backoff: { initial: soon }\n",
    expect: /upkeep\.yaml:5:25: services\.web\.backoff\.initial: /,
  },
  {
    what: "YAML syntax",
    yaml: "services:\n  web:\n    command: [sleep, '1'\n",
    expect: /upkeep\.yaml:\d+:\d+: /,
  },
];

describe("bad configs are rejected with file, line and column", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  for (const c of CASES) {
    test(`config check and daemon reject ${c.what} with exit 2`, () => {
      env.writeConfig(c.yaml);
      const check = env.cli("config", "check");
      assert.equal(check.code, 2, check.stdout + check.stderr);
      assert.match(check.stdout + check.stderr, c.expect);
      const daemon = env.cli("daemon");
      assert.equal(daemon.code, 2, daemon.stderr);
      assert.match(daemon.stderr, c.expect);
    });
  }

  test("every problem of a file is reported in one pass", () => {
    env.writeConfig(
      "services:\n  web:\n    comand: [sleep, '1']\n    restart: sometimes\n    stop: { timeout: 1x }\n",
    );
    const check = env.cli("config", "check");
    assert.equal(check.code, 2);
    const out = check.stdout + check.stderr;
    assert.match(out, /comand/);
    assert.match(out, /restart/);
    assert.match(out, /stop\.timeout/);
  });

  test("a valid config passes config check", () => {
    env.writeConfig("services:\n  web:\n    command: [sleep, '1']\n");
    const check = env.cli("config", "check");
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });
});
