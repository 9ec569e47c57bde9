import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_PATH, inheritedEnv, isServiceManagerVariable, serviceEnv } from "./service-env.js";

const SYSTEMD_SET = {
  NOTIFY_SOCKET: "/run/systemd/notify",
  LISTEN_FDS: "2",
  LISTEN_PID: "1",
  LISTEN_FDNAMES: "a:b",
  INVOCATION_ID: "0123",
  JOURNAL_STREAM: "8:123",
  WATCHDOG_USEC: "30000000",
  MAINPID: "1",
  TRIGGER_UNIT: "x.timer",
  MONITOR_EXIT_CODE: "exited",
};

test("what a service manager set for the daemon's unit is not inherited; the rest is", () => {
  const env = inheritedEnv({ envInherit: true }, { ...SYSTEMD_SET, PATH: "/bin", FOO: "bar", TERM: "xterm" });
  assert.deepEqual(env, { PATH: "/bin", FOO: "bar", TERM: "xterm" });
  assert.ok(isServiceManagerVariable("TRIGGER_TIMER_REALTIME_USEC"));
  assert.ok(!isServiceManagerVariable("LISTEN_PORT"));
});

test("env_inherit false keeps only PATH, LANG, HOME, USER, LOGNAME, SHELL", () => {
  const daemon = {
    PATH: "/bin",
    LANG: "C.UTF-8",
    HOME: "/root",
    USER: "root",
    LOGNAME: "root",
    SHELL: "/bin/bash",
    SECRET: "x",
    NOTIFY_SOCKET: "/run/systemd/notify",
  };
  assert.deepEqual(inheritedEnv({ envInherit: false }, daemon), {
    PATH: "/bin",
    LANG: "C.UTF-8",
    HOME: "/root",
    USER: "root",
    LOGNAME: "root",
    SHELL: "/bin/bash",
  });
  const bare = inheritedEnv({ envInherit: false }, {});
  assert.equal(bare["PATH"], DEFAULT_PATH, "a PATH even when the daemon has none");
  assert.ok(bare["HOME"] && bare["USER"], "the daemon's user fills HOME and USER");
});

test("precedence: base < user's login variables < env; UPKEEP_STATE_ID is the daemon's", () => {
  const env = serviceEnv(
    { envInherit: true, env: { USER: "fromenv", NOTIFY_SOCKET: "/mine", UPKEEP_STATE_ID: "forged" } },
    { HOME: "/home/app", USER: "app" },
    { HOME: "/root", USER: "root", NOTIFY_SOCKET: "/run/systemd/notify", UPKEEP_STATE_ID: "abc" },
  );
  assert.deepEqual(env, {
    HOME: "/home/app",
    USER: "fromenv",
    NOTIFY_SOCKET: "/mine",
    UPKEEP_STATE_ID: "abc",
  });
});
