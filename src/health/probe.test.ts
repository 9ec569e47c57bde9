import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer, Socket, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { makeSelfSignedCert } from "../../test/helpers/notify-receivers.js";
import { freePorts } from "../../test/helpers/ports.js";
import { waitFor } from "../../test/helpers/wait-for.js";
import { createMarker, findMarked, killMarked } from "../identity/test-fixtures.js";
import { runProbe, type OneShotProbeSpec } from "./probe.js";
import { expectResult } from "./probe-test-kit.js";

const marker = createMarker();
const dir = mkdtempSync(join(tmpdir(), "upkeep-probe-"));
const held: ServerResponse[] = [];
let web: ReturnType<typeof createHttpServer>;
let base = "";

before(async () => {
  web = createHttpServer((req, res) => {
    switch (req.url ?? "") {
      case "/ok":
        res.end("all ok\n");
        return;
      case "/fail":
        res.writeHead(503).end("down\n");
        return;
      case "/moved":
        res.writeHead(302, { location: "/ok" }).end();
        return;
      case "/slow":
        held.push(res); // never answered: ended at teardown
        return;
      case "/half":
        res.writeHead(200).write("partial ");
        held.push(res);
        return;
      case "/big":
        // "ok" only after the first 64 KiB: never looked at.
        res.end("x".repeat(70 * 1024) + "ok");
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of held) res.end();
  web.closeAllConnections();
  await new Promise((resolve) => web.close(resolve));
  rmSync(dir, { recursive: true, force: true });
  await killMarked(marker);
});

const T = { timeoutMs: 2000 };

test("tcp succeeds against a listening port and fails with the errno against a closed one", async () => {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const [closed] = await freePorts(1);
  try {
    expectResult(
      await runProbe({ kind: "tcp", host: "127.0.0.1", port }, T),
      true,
      `connect 127.0.0.1:${port}: connected`,
    );
    expectResult(
      await runProbe({ kind: "tcp", host: "127.0.0.1", port: closed! }, T),
      false,
      `connect 127.0.0.1:${closed}: connection refused (ECONNREFUSED)`,
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("tcp against a listener whose accept queue is full times out", async () => {
  // python3: a listener with backlog 0 that never accepts. Its queue holds one connection;
  // once that is taken the kernel drops further SYNs, so the probe's connect gets no answer.
  const script = [
    "import socket, sys",
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
    "print(s.getsockname()[1], flush=True); sys.stdin.read()",
  ].join("\n");
  const listener = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "inherit"] });
  const filler = new Socket();
  try {
    const port = Number(
      await new Promise<string>((resolve) => listener.stdout.once("data", (d: Buffer) => resolve(String(d)))),
    );
    await new Promise<void>((resolve, reject) =>
      filler.once("error", reject).connect(port, "127.0.0.1", resolve),
    );
    const result = await runProbe({ kind: "tcp", host: "127.0.0.1", port }, { timeoutMs: 300 });
    expectResult(result, false, `connect 127.0.0.1:${port}: no answer within 300ms`);
    assert.ok(result.ms >= 290 && result.ms < 1500, `took ${result.ms} ms`);
  } finally {
    filler.destroy();
    listener.kill("SIGKILL");
  }
});

test("http is ok for a 2xx, and names the status of anything else", async () => {
  expectResult(
    await runProbe({ kind: "http", url: `${base}/ok`, body: null }, T),
    true,
    `GET ${base}/ok: status 200`,
  );
  expectResult(
    await runProbe({ kind: "http", url: `${base}/fail`, body: null }, T),
    false,
    `GET ${base}/fail: status 503`,
  );
  expectResult(
    await runProbe({ kind: "http", url: `${base}/moved`, body: null }, T),
    false,
    `GET ${base}/moved: status 302 (redirects are not followed)`,
  );
});

test("http checks the body against the pattern, reading at most 64 KiB of it", async () => {
  expectResult(
    await runProbe({ kind: "http", url: `${base}/ok`, body: "all o+k" }, T),
    true,
    `GET ${base}/ok: status 200, body matched /all o+k/`,
  );
  expectResult(
    await runProbe({ kind: "http", url: `${base}/ok`, body: "^ready" }, T),
    false,
    `GET ${base}/ok: body did not match /^ready/`,
  );
  expectResult(
    await runProbe({ kind: "http", url: `${base}/big`, body: "ok" }, T),
    false,
    `GET ${base}/big: body did not match /ok/`,
  );
  expectResult(await runProbe({ kind: "http", url: `${base}/big`, body: "^x+$" }, T), true, /body matched/);
});

test("http gives up on a server that does not answer, or does not finish the body, within the timeout", async () => {
  const slow = await runProbe({ kind: "http", url: `${base}/slow`, body: null }, { timeoutMs: 200 });
  expectResult(slow, false, `GET ${base}/slow: no answer within 200ms`);
  assert.ok(slow.ms >= 190 && slow.ms < 1500, `took ${slow.ms} ms`);
  expectResult(
    await runProbe({ kind: "http", url: `${base}/half`, body: "done" }, { timeoutMs: 200 }),
    false,
    `GET ${base}/half: status 200, body not complete within 200ms`,
  );
});

test("http reports a refused connection, a bad URL and a bad pattern without rejecting", async () => {
  const [closed] = await freePorts(1);
  expectResult(
    await runProbe({ kind: "http", url: `http://127.0.0.1:${closed}/`, body: null }, T),
    false,
    `GET http://127.0.0.1:${closed}/: connection refused (ECONNREFUSED)`,
  );
  expectResult(
    await runProbe({ kind: "http", url: "not a url", body: null }, T),
    false,
    "GET not a url: not a valid URL",
  );
  expectResult(
    await runProbe({ kind: "http", url: "ftp://127.0.0.1/", body: null }, T),
    false,
    "GET ftp://127.0.0.1/: only http: and https: URLs can be probed",
  );
  expectResult(
    await runProbe({ kind: "http", url: `${base}/ok`, body: "(" }, T),
    false,
    /body pattern \/\(\/: Invalid regular expression/,
  );
});

test("http opens a connection per probe and leaves none open", async () => {
  const server = createHttpServer((_req, res) => res.end("ok"));
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    for (let i = 0; i < 3; i++)
      expectResult(await runProbe({ kind: "http", url, body: null }, T), true, /status 200/);
    assert.equal(connections, 3, "no connection is reused");
    const open = (): Promise<number> =>
      new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    await waitFor(async () => (await open()) === 0, { what: "the probes' connections closed" });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("path holds for an existing path and not for a missing one", async () => {
  const file = join(dir, "flag");
  writeFileSync(file, "");
  expectResult(await runProbe({ kind: "path", path: file }, T), true, `path ${file} exists (a file)`);
  expectResult(await runProbe({ kind: "path", path: dir }, T), true, `path ${dir} exists (a directory)`);
  expectResult(
    await runProbe({ kind: "path", path: join(dir, "nope") }, T),
    false,
    `path ${join(dir, "nope")} does not exist`,
  );
  expectResult(
    await runProbe({ kind: "path", path: join(file, "below") }, T),
    false,
    `path ${join(file, "below")} does not exist`,
  );
});

test("an abort ends a probe at once, and an exec probe's process with it", async () => {
  const slow = new AbortController();
  const pending = runProbe(
    { kind: "http", url: `${base}/slow`, body: null },
    { timeoutMs: 10_000, signal: slow.signal },
  );
  setTimeout(() => slow.abort(), 50);
  const http = await pending;
  expectResult(http, false, "aborted");
  assert.ok(http.ms < 2000, `took ${http.ms} ms`);

  const running = new AbortController();
  const exec = runProbe(
    { kind: "exec", command: ["sleep", marker] },
    { timeoutMs: 10_000, signal: running.signal },
  );
  await waitFor(() => findMarked(marker).length === 1, { what: "the probe's sleep running" });
  running.abort();
  expectResult(await exec, false, "aborted");
  assert.deepEqual(findMarked(marker), [], "the sleep is gone when the verdict is in");

  const done = AbortSignal.abort();
  for (const spec of [
    { kind: "tcp", host: "127.0.0.1", port: 1 },
    { kind: "http", url: `${base}/ok`, body: null },
    { kind: "exec", command: ["sleep", marker] },
    { kind: "path", path: dir },
  ] satisfies OneShotProbeSpec[]) {
    expectResult(await runProbe(spec, { timeoutMs: 1000, signal: done }), false, "aborted");
  }
  assert.deepEqual(findMarked(marker), [], "an aborted exec probe never started its command");
});

test("https probes the same way; a certificate nobody vouches for is a failed probe that says so", async () => {
  const { key, cert } = makeSelfSignedCert(dir);
  const secure = createHttpsServer({ key, cert }, (_, res) => res.end("ok\n"));
  await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
  try {
    const url = `https://127.0.0.1:${(secure.address() as AddressInfo).port}/`;
    const outcome = await runProbe({ kind: "http", url, body: null }, T);
    assert.equal(outcome.ok, false);
    assert.match(outcome.detail, /^GET https:\/\/127\.0\.0\.1:\d+\/: .*self[- ]signed certificate/i);
  } finally {
    secure.closeAllConnections();
    await new Promise((resolve) => secure.close(resolve));
  }
});
