import { test } from "node:test";
import assert from "node:assert/strict";
import { loadYaml, problemLines, serviceOf, services } from "./config-test-kit.js";

test("limits take a memory size, a cpu percentage (above 100 for several cores) and a window (30s)", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "limits: { memory: 500MB, cpu: 90% }"],
      b: ["command: [d]", "limits: { cpu: 150, window: 1m }"],
      c: ["command: [d]", "limits: { memory: 1GiB }"],
      e: ["command: [d]"],
    }),
  );
  assert.deepEqual(serviceOf(result, "a").limits, {
    memoryBytes: 500 * 1024 * 1024,
    cpuPercent: 90,
    windowMs: 30_000,
  });
  assert.deepEqual(serviceOf(result, "b").limits, { memoryBytes: null, cpuPercent: 150, windowMs: 60_000 });
  assert.deepEqual(serviceOf(result, "c").limits, {
    memoryBytes: 1024 ** 3,
    cpuPercent: null,
    windowMs: 30_000,
  });
  assert.equal(serviceOf(result, "e").limits, null);
});

test("limits without memory or cpu, and bad values, are problems", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "limits: { window: 10s }"],
      b: ["command: [d]", 'limits: { memory: lots, cpu: "0%" }'],
      c: ["command: [d]", "limits: { cpu: ninety, memory: 0 }"],
      e: ["command: [d]", "limits: { cpu: -5 }"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "4:13 services.a.limits: limits names neither memory nor cpu",
    "7:23 services.b.limits.memory: expected a number followed by a unit",
    "7:34 services.b.limits.cpu: out of range",
    "10:20 services.c.limits.cpu: not a percentage",
    "10:36 services.c.limits.memory: it is smaller than 1B",
    "13:20 services.e.limits.cpu: out of range",
  ]);
});

test("an unknown key in limits lists the valid keys, and is not told again as a missing memory or cpu", (t) => {
  const result = loadYaml(t, services({ a: ["command: [d]", "limits: { rss: 1GB }"] }));
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(problemLines(result), ["4:15 services.a.limits.rss: unknown key 'rss'"]);
  assert.equal(problems[0]!.expected, "one of: memory, cpu, window");
});
