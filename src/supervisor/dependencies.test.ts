// What a start waits for and the order of a stop, on runners reduced to what dependencies.ts
// reads (name, config.after/requires/type, state, desired).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServiceRunner } from "../service/runner.js";
import type { ServiceState } from "../service/states.js";
import { inStopOrder, unmetDependency } from "./dependencies.js";

interface Fake {
  name: string;
  state: ServiceState;
  desired?: "up" | "down";
  type?: "simple" | "oneshot";
  after?: string[];
  requires?: string[];
}

function world(...fakes: Fake[]): Map<string, ServiceRunner> {
  const runners = new Map<string, ServiceRunner>();
  for (const f of fakes) {
    const requires = f.requires ?? [];
    const runner = {
      name: f.name,
      state: f.state,
      context: { desired: f.desired ?? "up" },
      config: { type: f.type ?? "simple", after: [...(f.after ?? []), ...requires], requires },
    };
    runners.set(f.name, runner as unknown as ServiceRunner);
  }
  return runners;
}

describe("unmetDependency", () => {
  test("an after dependency on its way up holds the start; running releases it", () => {
    const starting = world(
      { name: "db", state: "starting" },
      { name: "web", state: "waiting", after: ["db"] },
    );
    assert.equal(unmetDependency(starting, starting.get("web")!), "db is not ready yet (starting)");
    const running = world({ name: "db", state: "running" }, { name: "web", state: "waiting", after: ["db"] });
    assert.equal(unmetDependency(running, running.get("web")!), null);
  });

  test("an after dependency that is failed or stopped does not hold the start; a required one does", () => {
    for (const state of ["failed", "stopped", "exited"] as const) {
      const w = world(
        { name: "db", state },
        { name: "web", state: "waiting", after: ["db"] },
        { name: "api", state: "waiting", requires: ["db"] },
      );
      assert.equal(unmetDependency(w, w.get("web")!), null, state);
      assert.equal(
        unmetDependency(w, w.get("api")!),
        `requires db, which is ${state}: start it with \`upkeep start db\``,
      );
    }
  });

  test("a required service the operator stopped is named as such", () => {
    const w = world(
      { name: "db", state: "stopped", desired: "down" },
      { name: "api", state: "waiting", requires: ["db"] },
    );
    assert.match(unmetDependency(w, w.get("api")!)!, /^requires db, which the operator stopped/);
  });

  test("a oneshot is ready for its dependents once it exited, not while it runs", () => {
    const running = world(
      { name: "init", state: "starting", type: "oneshot" },
      { name: "app", state: "waiting", requires: ["init"] },
    );
    assert.equal(unmetDependency(running, running.get("app")!), "init is not ready yet (starting)");
    const done = world(
      { name: "init", state: "exited", type: "oneshot" },
      { name: "app", state: "waiting", requires: ["init"] },
    );
    assert.equal(unmetDependency(done, done.get("app")!), null);
  });
});

describe("inStopOrder", () => {
  test("dependents stop before what they depend on; independent services at once", async () => {
    const w = world(
      { name: "db", state: "running" },
      { name: "cache", state: "running" },
      { name: "api", state: "running", requires: ["db", "cache"] },
      { name: "web", state: "running", after: ["api"] },
      { name: "lone", state: "running" },
    );
    const order: string[] = [];
    await inStopOrder(w, [...w.values()], async (r) => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push(r.name);
    });
    const pos = (n: string): number => order.indexOf(n);
    assert.equal(order.length, 5);
    assert.ok(pos("web") < pos("api"));
    assert.ok(pos("api") < pos("db") && pos("api") < pos("cache"));
  });

  test("only the selected services are stopped; an unselected dependent is not waited for", async () => {
    const w = world({ name: "db", state: "running" }, { name: "web", state: "running", after: ["db"] });
    const stopped: string[] = [];
    await inStopOrder(w, [w.get("db")!], (r) => {
      stopped.push(r.name);
      return Promise.resolve();
    });
    assert.deepEqual(stopped, ["db"]);
  });
});
