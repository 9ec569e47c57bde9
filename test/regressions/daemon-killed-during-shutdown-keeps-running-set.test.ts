import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// Shutdown recorded each stopped service as desired `down`. A daemon SIGKILLed during its own
// shutdown (systemd's stop timeout, an admin's kill -9) left the next daemon a set of services
// "stopped by the operator" that it never started again, and `check` said OK. What must never
// happen again: a shutdown, even cut short, counts as the operator's intent.
const env = new TestEnv();
after(() => env.teardown());

const QUICK = ["q1", "q2", "q3", "q4", "q5", "q6"]; // end on SIGTERM at once
const SLOW = ["s1", "s2", "s3", "s4", "s5", "s6"]; // ignore SIGTERM: still stopping at the kill

test("SIGTERM then SIGKILL of the daemon, three times: the next daemon runs every service again", async () => {
  const quick = QUICK.map((n) => `  ${n}:\n    command: ["{fixtures}/ticker", "{marker}", "0.2"]\n`);
  const slow = SLOW.map(
    (n) => `  ${n}:\n    command: ["{fixtures}/ignore-term", "{marker}"]\n    stop: { timeout: 5s }\n`,
  );
  env.writeConfig(`services:\n${[...quick, ...slow].join("")}`);
  const all = [...QUICK, ...SLOW];
  const allRunning = async (): Promise<boolean> => {
    const r = await env.api("GET", "/api/v1/status");
    return all.every((n) => r.json.services.find((s: { name: string }) => s.name === n)?.state === "running");
  };
  for (let round = 1; round <= 3; round++) {
    await env.startDaemon();
    await waitFor(allRunning, { what: `round ${round}: every service running`, timeout: 20_000 });
    const daemon = env.daemon!;
    daemon.kill("SIGTERM");
    // Cut the shutdown short once the quick services have stopped and the slow ones are stopping.
    await waitFor(
      async () => {
        const r = await env.api("GET", "/api/v1/status").catch(() => null);
        if (r === null) return false;
        const states = new Map<string, string>(
          r.json.services.map((s: { name: string; state: string }) => [s.name, s.state]),
        );
        return (
          QUICK.every((n) => states.get(n) === "stopped") && SLOW.every((n) => states.get(n) === "stopping")
        );
      },
      { what: `round ${round}: quick services stopped and slow ones stopping`, timeout: 20_000 },
    );
    await env.killDaemon();
  }
  await env.startDaemon();
  await waitFor(allRunning, { what: "after the last kill: every service running again", timeout: 20_000 });
  const r = await env.api("GET", "/api/v1/status");
  for (const s of r.json.services as { name: string; desired: string }[]) {
    assert.equal(s.desired, "up", `${s.name} is still meant to run`);
  }
  const check = env.cli("check");
  assert.equal(check.code, 0, check.stdout);
});
