import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { httpRequest } from "../helpers/http-client.js";
import { waitFor } from "../helpers/wait-for.js";

// The API over real TCP (SPEC §7, docs/http.md): the control socket's routes behind the token,
// the Host check, sessions and CSRF.
const env = new TestEnv();
let port = 0;
let token = "";

before(async () => {
  env.writeConfig(`http: { listen: "127.0.0.1:0" }
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "0.2"]
  hup:
    command: ["{fixtures}/reloads-on-signal", "{marker}"]
    reload_signal: SIGHUP
    ready: { log: "traps set" }
`);
  await env.startDaemon();
  await env.waitForService("web", "running", "web to run");
  await env.waitForService("hup", "running", "hup to run");
  const ui = env.cli("ui");
  assert.equal(ui.code, 0, ui.stderr);
  port = Number(/^http:\/\/127\.0\.0\.1:(\d+)\/#login=/.exec(ui.stdout)?.[1]);
  assert.ok(port > 0, ui.stdout);
  token = readFileSync(join(env.stateDir, "http.token"), "utf8").trim();
});
after(() => env.teardown());

const bearer = (): Record<string, string> => ({ authorization: `Bearer ${token}` });

test("the token file is made 0600 on the first start", () => {
  assert.equal(statSync(join(env.stateDir, "http.token")).mode & 0o777, 0o600);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
});

test("a request without a token, or with a wrong one, is refused 401 with the catalogue's error", async () => {
  const none = await httpRequest(port, "GET", "/api/v1/status");
  assert.equal(none.status, 401);
  assert.equal(none.json.error.code, "API_UNAUTHORIZED");
  assert.match(none.json.error.hint, /http\.token|upkeep ui/);
  const wrong = await httpRequest(port, "GET", "/api/v1/status", {
    headers: { authorization: `Bearer ${token}x` },
  });
  assert.equal(wrong.status, 401);
  const ok = await httpRequest(port, "GET", "/api/v1/status", { headers: bearer() });
  assert.equal(ok.status, 200);
  assert.deepEqual(
    ok.json.services.map((s: any) => s.name),
    ["web", "hup"],
  );
  assert.equal(ok.headers["access-control-allow-origin"], undefined);
});

test("a foreign Host is refused 403 even with the token (DNS rebinding)", async () => {
  for (const host of [
    `evil.example:${port}`,
    "evil.example",
    `127.0.0.1:${port + 1}`,
    `127.0.0.1.evil.example:${port}`,
  ]) {
    const r = await httpRequest(port, "GET", "/api/v1/status", { headers: { ...bearer(), host } });
    assert.equal(r.status, 403, host);
    assert.equal(r.json.error.code, "API_FORBIDDEN");
  }
  const page = await httpRequest(port, "GET", "/", { headers: { host: "evil.example" } });
  assert.equal(page.status, 403);
  const local = await httpRequest(port, "GET", "/api/v1/status", {
    headers: { ...bearer(), host: `localhost:${port}` },
  });
  assert.equal(local.status, 200);
});

test("a wrong method is 405 with Allow", async () => {
  const r = await httpRequest(port, "DELETE", "/api/v1/services/web", { headers: bearer() });
  assert.equal(r.status, 405);
  assert.equal(r.headers["allow"], "GET");
  assert.equal(r.json.error.code, "API_METHOD_NOT_ALLOWED");
  const post = await httpRequest(port, "GET", "/api/v1/actions", { headers: bearer() });
  assert.equal(post.status, 405);
  assert.equal(post.headers["allow"], "POST");
});

test("names with '/', '..' or NUL are refused 400, in the path, the body and the query", async () => {
  for (const path of [
    "/api/v1/services/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/services/..",
    "/api/v1/services/web%00x",
    "/api/v1/services/a%2Fb/logs",
    "/api/v1/events?service=..%2Fx",
  ]) {
    const r = await httpRequest(port, "GET", path, { headers: bearer() });
    assert.equal(r.status, 400, path);
    assert.equal(r.json.error.code, "API_BAD_REQUEST", path);
  }
  for (const name of ["../web", "..", "a\0b"]) {
    const r = await httpRequest(port, "POST", "/api/v1/actions", {
      headers: bearer(),
      body: { action: "stop", names: [name] },
    });
    assert.equal(r.status, 400, name);
  }
  const bad = await httpRequest(port, "POST", "/api/v1/actions", {
    headers: bearer(),
    body: { action: "explode", names: ["web"] },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /start, stop, restart, reload, reset/);
  const logs = await httpRequest(port, "GET", "/api/v1/services/web/logs?n=lots", { headers: bearer() });
  assert.equal(logs.status, 400);
});

test("every action works over TCP and shows in the events", async () => {
  const act = async (action: string, name: string): Promise<any> => {
    const r = await httpRequest(port, "POST", "/api/v1/actions", {
      headers: bearer(),
      body: { action, names: [name] },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.results[0].ok, true, JSON.stringify(r.json));
    return r.json.results[0];
  };
  await act("stop", "web");
  assert.equal((await env.status("web")).state, "stopped");
  await act("start", "web");
  const before = (await env.status("web")).pid;
  const restarted = await act("restart", "web");
  assert.notEqual(restarted.pid, before);
  await act("reload", "hup");
  await act("reset", "web");
  const events = await httpRequest(port, "GET", "/api/v1/events?n=200", { headers: bearer() });
  const actions = events.json.events
    .filter((e: any) => e.kind === "action")
    .map((e: any) => `${e.service} ${e.reason}`);
  for (const line of [
    "web operator: stop",
    "web operator: start",
    "web operator: restart",
    "hup operator: reload",
    "web operator: reset",
  ]) {
    assert.ok(actions.includes(line), `${line} in ${JSON.stringify(actions)}`);
  }
});

test("a login code from `upkeep ui` gives a session cookie once; a session needs CSRF to act", async () => {
  const ui = env.cli("ui");
  const code = /#login=([A-Za-z0-9_-]+)$/m.exec(ui.stdout)?.[1] ?? "";
  const login = await httpRequest(port, "POST", "/api/v1/session", { body: { code } });
  assert.equal(login.status, 200, login.text);
  const setCookie = String(login.headers["set-cookie"]);
  assert.match(setCookie, new RegExp(`^upkeep_session_${port}=[A-Za-z0-9_-]+;`));
  for (const attribute of ["HttpOnly", "SameSite=Strict", "Path=/api/", "Max-Age="])
    assert.ok(setCookie.includes(attribute), setCookie);
  const again = await httpRequest(port, "POST", "/api/v1/session", { body: { code } });
  assert.equal(again.status, 401, "a login code works once");

  const cookie = setCookie.split(";")[0]!;
  const csrf: string = login.json.csrf;
  const status = await httpRequest(port, "GET", "/api/v1/status", { headers: { cookie } });
  assert.equal(status.status, 200);
  const noCsrf = await httpRequest(port, "POST", "/api/v1/actions", {
    headers: { cookie },
    body: { action: "stop", names: ["web"] },
  });
  assert.equal(noCsrf.status, 403);
  assert.match(noCsrf.json.error.message, /x-upkeep-csrf/);
  const wrongCsrf = await httpRequest(port, "POST", "/api/v1/actions", {
    headers: { cookie, "x-upkeep-csrf": "nope" },
    body: { action: "stop", names: ["web"] },
  });
  assert.equal(wrongCsrf.status, 403);
  const foreignOrigin = await httpRequest(port, "POST", "/api/v1/actions", {
    headers: { cookie, "x-upkeep-csrf": csrf, origin: "http://evil.example" },
    body: { action: "stop", names: ["web"] },
  });
  assert.equal(foreignOrigin.status, 403);
  assert.equal((await env.status("web")).state, "running", "no refused request acted");
  const mint = await httpRequest(port, "POST", "/api/v1/ui/login", {
    headers: { cookie, "x-upkeep-csrf": csrf },
  });
  assert.equal(mint.status, 403, "a session cannot make login links");
  const stop = await httpRequest(port, "POST", "/api/v1/actions", {
    headers: { cookie, "x-upkeep-csrf": csrf, origin: `http://127.0.0.1:${port}` },
    body: { action: "stop", names: ["web"] },
  });
  assert.equal(stop.status, 200, stop.text);
  const reread = await httpRequest(port, "GET", "/api/v1/session", { headers: { cookie } });
  assert.equal(reread.json.csrf, csrf);
  const logout = await httpRequest(port, "DELETE", "/api/v1/session", {
    headers: { cookie, "x-upkeep-csrf": csrf },
  });
  assert.equal(logout.status, 200);
  const afterLogout = await httpRequest(port, "GET", "/api/v1/status", { headers: { cookie } });
  assert.equal(afterLogout.status, 401);
});

test("the status stream sends a snapshot, then the change of a service", async () => {
  const { request } = await import("node:http");
  const messages: string[] = [];
  const req = request({ host: "127.0.0.1", port, path: "/api/v1/status?follow=1", headers: bearer() });
  req.on("response", (res) => res.on("data", (d: Buffer) => messages.push(d.toString())));
  req.on("error", () => undefined); // destroyed at the end
  req.end();
  await waitFor(() => messages.join("").includes("event: snapshot"), { what: "the snapshot" });
  const start = await httpRequest(port, "POST", "/api/v1/actions", {
    headers: bearer(),
    body: { action: "start", names: ["web"] },
  });
  assert.equal(start.status, 200);
  await waitFor(
    () => /event: changes\ndata: .*"name":"web","type":"simple","state":"running"/.test(messages.join("")),
    {
      what: "a change naming web running",
    },
  );
  req.destroy();
});

test("the log tail is served, and the dashboard page with a strict CSP", async () => {
  const logs = await httpRequest(port, "GET", "/api/v1/services/web/logs?n=3", { headers: bearer() });
  assert.equal(logs.status, 200);
  assert.match(logs.json.text, /^tick \d+\ntick \d+\ntick \d+\n$/);
  const page = await httpRequest(port, "GET", "/");
  assert.equal(page.status, 200);
  assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
  assert.doesNotMatch(page.text, /<script>[^<]/, "no inline script");
  assert.equal(page.headers["x-frame-options"], "DENY");
  assert.equal(
    (await httpRequest(port, "GET", "/metrics-or-anything")).status,
    401,
    "other paths are the API's",
  );
  assert.equal((await httpRequest(port, "GET", "/nothing", { headers: bearer() })).status, 404);
  const post = await httpRequest(port, "POST", "/");
  assert.equal(post.status, 405);
  assert.equal(post.headers["allow"], "GET, HEAD");
});
