import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { after, before, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { errnoOf } from "../core/errors.js";
import {
  findListeners,
  findPortHolders,
  readListeningSockets,
  readListeningUnixSockets,
  readSocketInodes,
} from "./listen-ports.js";
import { createMarker, killMarked, waitForExit } from "./test-fixtures.js";

/** IPv6 loopback is usable when /proc/net/if_inet6 lists ::1 on some interface. */
const hasIPv6Loopback = ((): boolean => {
  try {
    return /^0{31}1 /m.test(readFileSync("/proc/net/if_inet6", "utf8"));
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return false; // the kernel runs without IPv6 (ipv6.disable=1)
    throw err;
  }
})();
const skip6 = hasIPv6Loopback ? false : "no IPv6 loopback (::1 is not in /proc/net/if_inet6)";

/**
 * The fixture: one node process listening on TCP 127.0.0.1 (and ::1), UDP 127.0.0.1, a UNIX path
 * and an abstract UNIX name, plus a `sleep` given the TCP listening descriptor as its fd 3, as a
 * prefork worker holds its master's socket. It reports its ports, then closes a server per line
 * read on stdin ("tcp6", "udp", "unix") and answers "closed NAME".
 */
const FIXTURE = `
const net = require("node:net"), dgram = require("node:dgram"), { spawn } = require("node:child_process");
const [marker, unixPath, abstractName, want6] = process.argv.slice(2);
const servers = {};
const listen = (options) => new Promise((resolve, reject) => {
  const server = net.createServer().once("error", reject);
  server.listen(options, () => resolve(server));
});
(async () => {
  servers.tcp = await listen({ port: 0, host: "127.0.0.1" });
  if (want6 === "yes") servers.tcp6 = await listen({ port: 0, host: "::1", ipv6Only: true });
  servers.unix = await listen({ path: unixPath });
  servers.abstract = await listen({ path: "\\0" + abstractName });
  servers.udp = dgram.createSocket("udp4");
  await new Promise((resolve) => servers.udp.bind(0, "127.0.0.1", resolve));
  const worker = spawn("sleep", [marker], { stdio: ["ignore", "ignore", "ignore", servers.tcp._handle.fd] });
  console.log(JSON.stringify({
    tcp: servers.tcp.address().port, tcp6: servers.tcp6 ? servers.tcp6.address().port : null,
    udp: servers.udp.address().port, worker: worker.pid,
  }));
  require("node:readline").createInterface({ input: process.stdin })
    .on("line", (name) => servers[name].close(() => console.log("closed " + name)));
})();
`;

interface Fixture {
  child: ChildProcess;
  lines: Interface;
  pid: number;
  worker: number;
  ports: { tcp: number; tcp6: number | null; udp: number };
  unixPath: string;
  abstractName: string;
}

const marker = createMarker();
const dir = mkdtempSync(join(tmpdir(), "upkeep-listen-"));
let fx: Fixture;

before(async () => {
  writeFileSync(join(dir, "listener.cjs"), FIXTURE);
  const unixPath = join(dir, "app.sock");
  const abstractName = `upkeep-test-${marker}`;
  const want6 = hasIPv6Loopback ? "yes" : "no";
  const child = spawn(process.execPath, [join(dir, "listener.cjs"), marker, unixPath, abstractName, want6], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const report = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the listener fixture exited early (code ${code})`)));
    lines.once("line", resolve);
  });
  child.removeAllListeners("exit");
  const { worker, ...ports } = JSON.parse(report) as Fixture["ports"] & { worker: number };
  fx = { child, lines, pid: child.pid!, worker, ports, unixPath, abstractName };
});

after(async () => {
  fx.child.kill("SIGKILL");
  await waitForExit(fx.child);
  await killMarked(marker);
  rmSync(dir, { recursive: true, force: true });
});

/** Asks the fixture to close one server and waits for its "closed NAME" answer. */
async function closeServer(name: string): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    const onLine = (line: string): void => {
      if (line !== `closed ${name}`) return;
      fx.lines.off("line", onLine);
      resolve();
    };
    fx.lines.on("line", onLine);
  });
  fx.child.stdin!.write(`${name}\n`);
  await closed;
}

test("readListeningSockets lists the fixture's TCP and UDP servers with their addresses", () => {
  const sockets = readListeningSockets();
  const tcp = sockets.filter((s) => s.port === fx.ports.tcp && s.protocol === "tcp");
  assert.deepEqual(
    tcp.map((s) => s.address),
    ["127.0.0.1"],
  );
  const udp = sockets.find((s) => s.port === fx.ports.udp && s.protocol === "udp");
  assert.equal(udp?.address, "127.0.0.1");
  assert.ok(readSocketInodes(fx.pid).has(tcp[0]!.inode) && readSocketInodes(fx.pid).has(udp.inode));
});

test("readListeningSockets lists a tcp6 server on ::1", { skip: skip6 }, () => {
  const tcp6 = readListeningSockets().find((s) => s.port === fx.ports.tcp6 && s.protocol === "tcp6");
  assert.equal(tcp6?.address, "::1");
});

test("findListeners tells which socket each process holds; the worker holds only the shared TCP one", () => {
  const found = findListeners([fx.pid, fx.worker, fx.pid]);
  assert.deepEqual([...found.keys()], [fx.pid, fx.worker], "one key per pid given");
  const own = found
    .get(fx.pid)!
    .map((s) => `${s.protocol}:${s.port}`)
    .sort();
  const expected = [`tcp:${fx.ports.tcp}`, `udp:${fx.ports.udp}`];
  if (fx.ports.tcp6 !== null) expected.push(`tcp6:${fx.ports.tcp6}`);
  assert.deepEqual(own, expected.sort());
  assert.deepEqual(
    found.get(fx.worker)!.map((s) => `${s.protocol}:${s.port}`),
    [`tcp:${fx.ports.tcp}`],
  );
});

test("findListeners joins UNIX listeners too, path and abstract name", () => {
  const unix = findListeners([fx.pid, fx.worker], readListeningUnixSockets());
  assert.deepEqual(
    unix
      .get(fx.pid)!
      .map((s) => s.path)
      .sort(),
    [`@${fx.abstractName}`, fx.unixPath].sort(),
  );
  assert.deepEqual(unix.get(fx.worker), []);
});

test("findPortHolders names every process that holds the port, filtered by protocol", () => {
  const holders = findPortHolders(fx.ports.tcp, "tcp");
  assert.deepEqual(
    holders.map((h) => h.pid),
    [fx.pid, fx.worker].sort((a, b) => a - b),
  );
  assert.ok(holders.every((h) => h.socket.address === "127.0.0.1" && h.socket.protocol === "tcp"));
  assert.deepEqual(
    findPortHolders(fx.ports.udp, "udp").map((h) => h.pid),
    [fx.pid],
  );
  // The same number under the other protocol: nobody, unless the host happens to use it.
  const udpTaken = readListeningSockets().some(
    (s) => s.port === fx.ports.tcp && s.protocol.startsWith("udp"),
  );
  if (!udpTaken) assert.deepEqual(findPortHolders(fx.ports.tcp, "udp"), []);
});

test("a closed server disappears from the tables and from its holder", async () => {
  const gone = ["udp", "unix", ...(fx.ports.tcp6 === null ? [] : ["tcp6"])];
  for (const name of gone) await closeServer(name);
  const inet = readListeningSockets();
  assert.ok(!inet.some((s) => s.port === fx.ports.udp && s.protocol === "udp"));
  assert.ok(!inet.some((s) => s.port === fx.ports.tcp6 && s.protocol === "tcp6"));
  assert.ok(!readListeningUnixSockets().some((s) => s.path === fx.unixPath));
  assert.deepEqual(
    findListeners([fx.pid])
      .get(fx.pid)!
      .map((s) => s.port),
    [fx.ports.tcp],
  );
  assert.deepEqual(findPortHolders(fx.ports.udp, "udp"), []);
});

test("a TCP socket stays in LISTEN while the worker holds it, and goes when the last holder dies", async () => {
  fx.child.kill("SIGKILL");
  await waitForExit(fx.child);
  const listens = (): boolean => readListeningSockets().some((s) => s.port === fx.ports.tcp);
  assert.ok(listens(), "the worker still holds the listening socket");
  assert.deepEqual(
    findPortHolders(fx.ports.tcp).map((h) => h.pid),
    [fx.worker],
  );
  process.kill(fx.worker, "SIGKILL");
  await waitFor(() => !listens(), { what: `port ${fx.ports.tcp} to leave /proc/net/tcp` });
  assert.deepEqual(findPortHolders(fx.ports.tcp), []);
});
