import { test } from "node:test";
import assert from "node:assert/strict";
import { loadYaml, noteLines, problemLines, serviceOf, services } from "./config-test-kit.js";

test("after and requires hold service names; requires are also in after, without repeats, in written order", (t) => {
  const result = loadYaml(
    t,
    services({
      db: ["command: [d]"],
      cache: ["command: [d]"],
      queue: ["command: [d]"],
      web: [
        "command: [d]",
        "after: [cache, db, cache]",
        "requires: [queue, db]",
        "on_required_failure: stop",
      ],
    }),
  );
  const web = serviceOf(result, "web");
  assert.deepEqual(web.after, ["cache", "db", "queue"]);
  assert.deepEqual(web.requires, ["queue", "db"]);
  assert.equal(web.onRequiredFailure, "stop");
  const db = serviceOf(result, "db");
  assert.deepEqual([db.after, db.requires, db.onRequiredFailure], [[], [], "keep"], "the defaults");
  assert.deepEqual(result.notes, []);
});

test("a dependency may be declared later in the file", (t) => {
  const result = loadYaml(t, services({ web: ["command: [d]", "requires: [db]"], db: ["command: [d]"] }));
  assert.deepEqual(serviceOf(result, "web").after, ["db"]);
});

test("an unknown name is a bad value at its item, with the closest known name suggested", (t) => {
  const result = loadYaml(
    t,
    services({
      db: ["command: [d]"],
      web: ["command: [d]", "after: [db, dbb]", "requires: [zzzzzz]"],
    }),
  );
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(problemLines(result), [
    "6:17 services.web.after[1]: unknown service 'dbb'; did you mean 'db'?",
    "7:16 services.web.requires[0]: unknown service 'zzzzzz'",
  ]);
  assert.equal(problems[0]!.code, "CONFIG_BAD_VALUE");
  assert.equal(problems[0]!.got, '"dbb"');
  assert.equal(problems[0]!.expected, "the name of a service in this file: db, web");
});

test("a service naming itself is a problem", (t) => {
  const result = loadYaml(t, services({ web: ["command: [d]", "after: [web]"] }));
  assert.deepEqual(problemLines(result), [
    "4:13 services.web.after[0]: a service cannot wait for itself: 'web' is this service itself",
  ]);
});

test("after and requires must be lists of names", (t) => {
  const result = loadYaml(
    t,
    services({ db: ["command: [d]"], web: ["command: [d]", "after: db", "requires: [{ name: db }]"] }),
  );
  assert.deepEqual(problemLines(result), [
    "6:12 services.web.after: wrong type",
    "7:16 services.web.requires[0]: wrong type",
  ]);
});

test("on_required_failure takes keep or stop, and without requires it is a note", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "on_required_failure: stop"],
      b: ["command: [d]", "requires: []", "on_required_failure: keep"],
    }),
  );
  assert.ok(result.ok);
  assert.deepEqual(noteLines(result), [
    "4:5 services.a.on_required_failure: on_required_failure has no effect without requires",
    "8:5 services.b.on_required_failure: on_required_failure has no effect without requires",
  ]);
  const bad = loadYaml(t, services({ a: ["command: [d]", "on_required_failure: restart"] }));
  assert.deepEqual(problemLines(bad), ["4:26 services.a.on_required_failure: unknown value"]);
});

test("a cycle of two services is reported once, at the entry that closes it", (t) => {
  const result = loadYaml(
    t,
    services({ web: ["command: [d]", "after: [db]"], db: ["command: [d]", "requires: [web]"] }),
  );
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(problemLines(result), ["7:16 services.db.requires[0]: dependency cycle: web → db → web"]);
  assert.equal(problems[0]!.code, "CONFIG_BAD_VALUE");
});

test("a cycle of three services is reported once, naming the whole cycle", (t) => {
  const result = loadYaml(
    t,
    services({
      web: ["command: [d]", "after: [db]"],
      db: ["command: [d]", "after: [cache]"],
      cache: ["command: [d]", "after: [web]"],
      other: ["command: [d]", "after: [web]"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "10:13 services.cache.after[0]: dependency cycle: web → db → cache → web",
  ]);
});

test("two cycles sharing a service are each reported once", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "after: [b, c]"],
      b: ["command: [d]", "after: [a]"],
      c: ["command: [d]", "after: [a]"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "7:13 services.b.after[0]: dependency cycle: a → b → a",
    "10:13 services.c.after[0]: dependency cycle: a → c → a",
  ]);
});

test("a service named by digits is found when written bare in a list", (t) => {
  const result = loadYaml(t, services({ "1": ["command: [d]"], web: ["command: [d]", "after: [1]"] }));
  assert.deepEqual(problemLines(result), []);
  assert.deepEqual(serviceOf(result, "web").after, ["1"]);
});
