// docs/states.md must stay true to the code: it names every state and event, and its
// state × event table is the one the machine produces (STYLE.md §3).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { initialContext, transition, type MachineContext, type MachineService } from "./machine.js";
import { T0, SEC, ev, service } from "./machine-test-kit.js";
import {
  MACHINE_EVENT_TYPES,
  SERVICE_STATES,
  TIMER_PURPOSES,
  type MachineEvent,
  type MachineEventType,
  type ServiceState,
} from "./states.js";

// Compiled tests run from dist/src/service/: three levels up is the repo root.
const DOC = fileURLToPath(new URL("../../../docs/states.md", import.meta.url));
const IGNORED = "—";

const samples: Record<MachineEventType, MachineEvent[]> = {
  start_requested: [ev.start],
  stop_requested: [ev.stop],
  restart_requested: [ev.restart],
  reset_requested: [ev.reset],
  spawned: [ev.spawned()],
  spawn_failed: [ev.spawnFailed],
  ready: [ev.ready],
  exited: [ev.exit(0), ev.exit(1), ev.killed("SIGKILL"), ev.vanished],
  timer_fired: TIMER_PURPOSES.map(ev.timer),
  adopted: [ev.adopted(4343, T0 - 5 * SEC)],
  health_failed: [ev.healthFailed],
  gate_open: [ev.gateOpen],
  gate_blocked: [ev.gateBlocked],
  not_ready: [ev.notReady],
  dependency_lost: [ev.dependencyLost],
};

/** Every combination of type, restart policy, immediate or delayed restart, retry_after, and gating. */
function services(): MachineService[] {
  const out: MachineService[] = [];
  for (const type of ["simple", "oneshot"] as const)
    for (const restart of ["always", "on-failure", "no"] as const)
      for (const initialMs of [100, 0])
        for (const retryAfterMs of [null, 600 * SEC])
          for (const gated of [false, true])
            out.push(
              service({
                type,
                restart,
                gated,
                backoff: { initialMs },
                startLimit: { burst: 3, retryAfterMs },
              }),
            );
  return out;
}

/**
 * The contexts a service can be in for each state: desired is down only in stopped or stopping;
 * a start after the stop is pending only while stopping (and its request cleared the budget);
 * a deadline is pending only in stopping, backoff and failed; the budget is fresh or used up.
 */
function contextsFor(state: ServiceState): MachineContext[] {
  const intents: [MachineContext["desired"], boolean][] =
    state === "stopped"
      ? [
          ["up", false],
          ["down", false],
        ]
      : state === "stopping"
        ? [
            ["up", true],
            ["down", false],
          ]
        : [["up", false]];
  const out: MachineContext[] = [];
  for (const [desired, startAfterStop] of intents) {
    for (const usedUp of startAfterStop ? [false] : [false, true]) {
      const running = state === "starting" || state === "running" || state === "stopping";
      out.push({
        ...initialContext(desired),
        startAfterStop,
        attempts: usedUp ? [T0 - 3, T0 - 2, T0 - 1] : [],
        pid: running ? 4242 : null,
        startedAt: running ? T0 - SEC : null,
        timerAt: state === "stopping" || state === "backoff" || state === "failed" ? T0 + 5 * SEC : null,
      });
    }
  }
  return out;
}

/** What the operator and the budget see; PID and last exit status are bookkeeping. */
const intent = (c: MachineContext): string =>
  JSON.stringify([c.desired, c.startAfterStop, c.attempts, c.quickCrashes, c.restarts, c.timerAt]);

/** One cell: each resulting state, or "—" when the event changed nothing that matters. */
function cell(state: ServiceState, type: MachineEventType): string {
  const seen = new Set<string>();
  for (const svc of services())
    for (const ctx of contextsFor(state))
      for (const event of samples[type]) {
        const t = transition(state, ctx, event, svc, T0, () => 0.5);
        const ignored = t.state === state && t.effects.length === 0 && intent(t.context) === intent(ctx);
        seen.add(ignored ? IGNORED : t.state);
      }
  const order: string[] = [...SERVICE_STATES, IGNORED];
  return [...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(" / ");
}

/** The state × event table, one array of cells per row, header first. */
function expectedTable(): string[][] {
  return [
    ["state \\ event", ...MACHINE_EVENT_TYPES.map((e) => `\`${e}\``)],
    ...SERVICE_STATES.map((s) => [`\`${s}\``, ...MACHINE_EVENT_TYPES.map((e) => cell(s, e))]),
  ];
}

const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\||\|$/g, "")
    .split("|")
    .map((c) => c.trim());

/** The rows of the doc's table whose first header cell is "state \ event", separator left out. */
function tableInDoc(doc: string): string[][] {
  const lines = doc.split("\n");
  const at = lines.findIndex((l) => cellsOf(l)[0] === "state \\ event");
  if (at < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(at)) {
    if (!line.trim().startsWith("|")) break;
    const cells = cellsOf(line);
    if (!cells.every((c) => /^:?-+:?$/.test(c))) rows.push(cells);
  }
  return rows;
}

const render = (rows: string[][]): string => rows.map((r) => `| ${r.join(" | ")} |`).join("\n");

describe("docs/states.md", () => {
  // Read in each test, so a missing file fails the tests with its path instead of aborting the suite.
  const readDoc = (): string => readFileSync(DOC, "utf8");

  for (const state of SERVICE_STATES) {
    test(`names the state \`${state}\``, () => {
      assert.ok(readDoc().includes(`\`${state}\``), `docs/states.md does not mention \`${state}\``);
    });
  }

  for (const type of MACHINE_EVENT_TYPES) {
    test(`names the event \`${type}\``, () => {
      assert.ok(readDoc().includes(`\`${type}\``), `docs/states.md does not mention \`${type}\``);
    });
  }

  test("holds the state × event table the machine actually produces", () => {
    const expected = expectedTable();
    const [header, ...rows] = expected;
    const table = render([header!, header!.map(() => "---"), ...rows]);
    assert.deepEqual(
      tableInDoc(readDoc()),
      expected,
      `the table in docs/states.md is out of date; replace it with:\n\n${table}\n\n` +
        "(and check the prose around it against src/service/machine.ts)",
    );
  });
});
