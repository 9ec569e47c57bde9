import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadYaml, noteLines, problemLines, serviceOf, services, validConfig } from "./config-test-kit.js";

test("instances replace the service by name@instance, in order, at the place of the declaration", (t) => {
  const result = loadYaml(
    t,
    services({
      first: ["command: [d]"],
      web: ["command: [d]", "instances: [hostA, hostB]"],
      worker: ["command: [d]", "instances: 3"],
      last: ["command: [d]"],
    }),
  );
  const config = validConfig(result);
  assert.deepEqual(
    config.services.map((s) => [s.name, s.instanceOf, s.instance]),
    [
      ["first", null, null],
      ["web@hostA", "web", "hostA"],
      ["web@hostB", "web", "hostB"],
      ["worker@1", "worker", "1"],
      ["worker@2", "worker", "2"],
      ["worker@3", "worker", "3"],
      ["last", null, null],
    ],
  );
  assert.deepEqual(config.services[1]!.source, config.services[2]!.source, "both point at the declaration");
  assert.deepEqual(result.notes, [], "instances are acted on: no note");
});

test("numbers in an instances list are taken as written", (t) => {
  const result = loadYaml(t, services({ w: ["command: [d]", "instances: [01, 2, a.b-c_d]"] }));
  assert.deepEqual(
    validConfig(result).services.map((s) => s.name),
    ["w@01", "w@2", "w@a.b-c_d"],
  );
});

test("{instance} is replaced in every string of the service, and quoted port templates become ports", (t) => {
  const result = loadYaml(
    t,
    services({
      db: ["command: [d]", "instances: [1, 2]"],
      peer: [
        "type: forking",
        'command: [run, "--name={instance}", "{instance}"]',
        "instances: [1, 2]",
        "env: { NODE: 'n{instance}', PORT: '900{instance}' }",
        "cwd: /srv/{instance}",
        "pidfile: run/{instance}.pid",
        'listen: ["900{instance}", 8000]',
        "children:",
        "  - { name: 'w_{instance}', listen: ['700{instance}'] }",
        "stop: { command: [stop, '{instance}'] }",
        'ready: { tcp: "900{instance}", timeout: 5s }',
        'health: { http: "http://127.0.0.1:900{instance}/health", body: "{instance}" }',
        'condition: { exec: [ping, "host{instance}"] }',
        'after: ["db@{instance}"]',
      ],
      ext: [
        "type: external",
        "instances: [a]",
        "match: { cmdline: '^ext {instance}$' }",
        "start: [start-ext, '{instance}']",
        "stop: [stop-ext, '{instance}']",
        "ready: { log: 'up {instance}' }",
        "health: { exec: 'check {instance}' }",
        "condition: { path: './{instance}.ok' }",
        "requires: ['db@2']",
      ],
    }),
  );
  const peer2 = serviceOf(result, "peer@2");
  assert.deepEqual(peer2.command, ["run", "--name=2", "2"]);
  assert.deepEqual(peer2.env, { NODE: "n2", PORT: "9002" });
  assert.equal(peer2.cwd, "/srv/2");
  assert.equal(peer2.pidfile, join(result.dir, "run/2.pid"));
  assert.deepEqual(peer2.listen, [9002, 8000]);
  assert.deepEqual(peer2.children, [{ name: "w_2", count: 1, listen: [7002] }]);
  assert.deepEqual(peer2.stopCommand, ["stop", "2"]);
  assert.deepEqual(peer2.ready?.probe, { kind: "tcp", host: "127.0.0.1", port: 9002 });
  assert.deepEqual(peer2.health?.probe, { kind: "http", url: "http://127.0.0.1:9002/health", body: "2" });
  assert.deepEqual(peer2.condition?.probe, { kind: "exec", command: ["ping", "host2"] });
  assert.deepEqual(peer2.after, ["db@2"]);
  assert.deepEqual(serviceOf(result, "peer@1").after, ["db@1"]);
  assert.deepEqual(serviceOf(result, "peer@1").listen, [9001, 8000]);
  const ext = serviceOf(result, "ext@a");
  assert.deepEqual(ext.match, { comm: null, cmdline: "^ext a$" });
  assert.deepEqual(
    [ext.startCommand, ext.stopCommand],
    [
      ["start-ext", "a"],
      ["stop-ext", "a"],
    ],
  );
  assert.deepEqual(ext.ready?.probe, { kind: "log", pattern: "up a" });
  assert.deepEqual(ext.health?.probe, { kind: "exec", command: ["check", "a"] });
  assert.deepEqual(ext.condition?.probe, { kind: "path", path: join(result.dir, "a.ok") });
  assert.deepEqual([ext.after, ext.requires], [["db@2"], ["db@2"]]);
});

test("an anchor used by alias in an instanced service is substituted for each instance", (t) => {
  const result = loadYaml(
    t,
    services({ w: ["command: [d, &id 'w-{instance}']", "instances: [a, b]", "env: { ID: *id }"] }),
  );
  assert.deepEqual(serviceOf(result, "w@b").env, { ID: "w-b" });
  assert.deepEqual(serviceOf(result, "w@a").command, ["d", "w-a"]);
});

test("a declared name in after means all of its instances; name@inst means one", (t) => {
  const result = loadYaml(
    t,
    services({
      peer: ["command: [d]", "instances: [a, b, c]"],
      web: ["command: [d]", "after: [peer]"],
      one: ["command: [d]", "requires: [peer@b]"],
    }),
  );
  assert.deepEqual(serviceOf(result, "web").after, ["peer@a", "peer@b", "peer@c"]);
  assert.deepEqual(serviceOf(result, "one").requires, ["peer@b"]);
});

test("an unknown instance is an unknown service, with the closest name suggested", (t) => {
  const result = loadYaml(
    t,
    services({ peer: ["command: [d]", "instances: [a, b]"], web: ["command: [d]", "after: [peer@c]"] }),
  );
  assert.deepEqual(problemLines(result), [
    "7:13 services.web.after[0]: unknown service 'peer@c'; did you mean 'peer@a'?",
  ]);
});

test("a problem every instance has is told once; one that differs names its instance", (t) => {
  const result = loadYaml(
    t,
    services({
      w: [
        "command: [d]",
        "instances: [a, 1]",
        "restart: sometimes",
        'listen: ["{instance}"]',
        "cwd: ./no-such-{instance}",
      ],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "5:14 services.w.restart: unknown value",
    "6:14 services.w.listen[0]: not a port number (in instance w@a)",
  ]);
  assert.deepEqual(noteLines(result), [
    `7:10 services.w.cwd: cwd ${join(result.dir, "no-such-a")} does not exist yet; the service cannot start until it does (in instance w@a)`,
    `7:10 services.w.cwd: cwd ${join(result.dir, "no-such-1")} does not exist yet; the service cannot start until it does (in instance w@1)`,
  ]);
});

test("instances that wait for each other in pairs: the cycle of the declarations is told once", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "instances: 2", 'after: ["b@{instance}"]'],
      b: ["command: [d]", "instances: 2", 'after: ["a@{instance}"]'],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "9:13 services.b.after[0]: dependency cycle: a → b → a (counting every instance)",
  ]);
});

test("an instance naming its own service is told once, for all instances, and not as a cycle too", (t) => {
  const result = loadYaml(t, services({ p: ["command: [d]", "instances: [a, b]", "after: [p]"] }));
  assert.deepEqual(problemLines(result), [
    "5:13 services.p.after[0]: a service cannot wait for itself: 'p' includes this service",
  ]);
});

test("{instance} in a service without instances is a problem at each string, told once", (t) => {
  const result = loadYaml(
    t,
    services({
      s: ["command: [d, '{instance}']", 'listen: ["900{instance}"]', "ready: { tcp: '900{instance}' }"],
    }),
  );
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(problemLines(result), [
    "3:18 services.s.command[1]: {instance} is only replaced in a service with instances",
    "4:14 services.s.listen[0]: {instance} is only replaced in a service with instances",
    "5:19 services.s.ready.tcp: {instance} is only replaced in a service with instances",
  ]);
  assert.equal(problems[0]!.got, '"{instance}"');
});

test("bad instances values are problems at their items", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "instances: []"],
      b: ["command: [d]", "instances: [x, x, 'bad name', true]"],
      c: ["command: [d]", "instances: 0"],
      e: ["command: [d]", "instances: { x: 1 }"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "4:16 services.a.instances: instances is empty",
    "7:20 services.b.instances[1]: instance 'x' is listed twice",
    "7:23 services.b.instances[2]: not a valid instance name",
    "7:35 services.b.instances[3]: wrong type",
    "10:16 services.c.instances: out of range",
    "13:16 services.e.instances: wrong type",
  ]);
});

test("a service named with '@' stays refused, with or without instances", (t) => {
  const result = loadYaml(t, services({ "web@a": ["command: [d]", "instances: [b]"] }));
  assert.match(problemLines(result)[0]!, /^2:3 services\.web@a: a service name cannot contain '@'/);
});

test("a template that makes no port in any instance is told once, with each value", (t) => {
  const result = loadYaml(t, services({ w: ["command: [d]", "instances: 3", 'listen: ["x{instance}"]'] }));
  assert.deepEqual(problemLines(result), [
    '5:14 services.w.listen[0]: not a port number (in every instance; got "x1", "x2", "x3")',
  ]);
});

test("a cycle through an instanced service is told once, at one entry", (t) => {
  const result = loadYaml(
    t,
    services({
      web: ["command: [d]", "instances: [a, b]", "after: [db]"],
      db: ["command: [d]", "after: [web]"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "8:13 services.db.after[0]: dependency cycle: web → db → web (counting every instance)",
  ]);
});

test("{instance} in a variable name is a problem; a fixed port in every instance is a note", (t) => {
  const result = loadYaml(
    t,
    services({
      w: ["command: [d]", "instances: [a, b]", 'env: { "X_{instance}": "1" }', "listen: [8080]"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "5:12 services.w.env.X_{instance}: {instance} is not replaced in variable names, only in values",
  ]);
  assert.deepEqual(noteLines(result), [
    '6:13 services.w.listen: every instance would hold port 8080: only one can; write a template such as "900{instance}"',
  ]);
});
