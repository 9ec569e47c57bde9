import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { freePorts } from "../../test/helpers/ports.js";
import { waitFor } from "../../test/helpers/wait-for.js";
import { native, nativeLoadError } from "../core/native.js";
import { NotifySocket, parseNotifyText, type NotifyMessage } from "./notify-socket.js";
import { runProbe } from "./probe.js";

const NO_ADDON = native === null && `the native addon is not loaded: ${nativeLoadError}`;
const REDIS = "/usr/bin/redis-server";

const dir = mkdtempSync(join(tmpdir(), "upkeep-notify-"));
const sockets: NotifySocket[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const socket of sockets) socket.close();
  rmSync(dir, { recursive: true, force: true });
});

let count = 0;
function open(): NotifySocket {
  const socket = NotifySocket.open(join(dir, `notify-${++count}.sock`));
  sockets.push(socket);
  return socket;
}

/** A python3 process that sends each message as one datagram to $NOTIFY_SOCKET, then exits. */
function send(path: string, ...messages: string[]): ChildProcess {
  return sendWith("inherit", path, messages);
}

function sendWith(stderr: "inherit" | "ignore", path: string, messages: string[]): ChildProcess {
  const script = [
    "import socket, os, sys",
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
    "for m in sys.argv[1:]: s.sendto(m.encode(), os.environ['NOTIFY_SOCKET'])",
  ].join("\n");
  const child = spawn("python3", ["-c", script, ...messages], {
    stdio: ["ignore", "ignore", stderr],
    env: { ...process.env, NOTIFY_SOCKET: path },
  });
  children.push(child);
  return child;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => child.once("error", reject).once("exit", resolve));
}

test("parseNotifyText keeps KEY=VALUE lines and ignores malformed ones", () => {
  const fields = parseNotifyText("READY=1\nSTATUS=up = fine\nnonsense\n=nokey\nMAINPID=42\nSTATUS=later\n");
  assert.deepEqual(
    [...fields],
    [
      ["READY", "1"],
      ["STATUS", "later"],
      ["MAINPID", "42"],
    ],
  );
});

test(
  "READY=1 from a separate process arrives with its fields and the sender's PID",
  { skip: NO_ADDON },
  async () => {
    const socket = open();
    const messages: NotifyMessage[] = [];
    socket.onMessage((message) => messages.push(message));
    const sender = send(socket.path, "READY=1\nSTATUS=up");
    assert.equal(await exitOf(sender), 0);
    const message = await waitFor(() => messages[0], { what: "the READY=1 datagram" });
    assert.equal(message.pid, sender.pid);
    assert.equal(message.uid, process.getuid!());
    assert.deepEqual(
      [...message.fields],
      [
        ["READY", "1"],
        ["STATUS", "up"],
      ],
    );
  },
);

test(
  "datagrams that wait in the socket all arrive, in order, in one wake-up",
  { skip: NO_ADDON },
  async () => {
    const socket = open();
    // Sent before anyone listens: polling starts with the first callback, so they wait.
    const sender = send(socket.path, "STATUS=one", "STATUS=two", "READY=1");
    assert.equal(await exitOf(sender), 0);
    const batches: string[][] = [];
    let batch: string[] | null = null;
    socket.onMessage((message) => {
      if (batch === null) {
        batches.push((batch = []));
        setImmediate(() => (batch = null)); // the next loop turn is another wake-up
      }
      batch.push([...message.fields].map(([key, value]) => `${key}=${value}`).join(","));
    });
    await waitFor(() => batches.flat().length === 3, { what: "three datagrams" });
    assert.deepEqual(batches, [["STATUS=one", "STATUS=two", "READY=1"]]);
  },
);

test("descriptors a sender passes along (FDSTORE=1) are closed, not kept", { skip: NO_ADDON }, async () => {
  const socket = open();
  const messages: NotifyMessage[] = [];
  const before = readdirSync("/proc/self/fd").length;
  const script = [
    "import socket, os, sys, array",
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
    "fds = array.array('i', [os.open('/dev/null', os.O_RDONLY) for _ in range(20)])",
    "s.sendmsg([b'FDSTORE=1'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)], 0, sys.argv[1])",
  ].join("\n");
  const sender = spawn("python3", ["-c", script, socket.path], { stdio: ["ignore", "ignore", "inherit"] });
  children.push(sender);
  assert.equal(await exitOf(sender), 0);
  socket.onMessage((message) => messages.push(message));
  await waitFor(() => messages.length > 0, { what: "the FDSTORE=1 datagram" });
  assert.equal(messages[0]!.fields.get("FDSTORE"), "1");
  assert.equal(readdirSync("/proc/self/fd").length, before);
});

test("close stops the poll, closes the socket and removes its file", { skip: NO_ADDON }, async () => {
  const socket = open();
  socket.onMessage(() => assert.fail("no message after close"));
  assert.ok(statSync(socket.path).isSocket());
  socket.close();
  assert.equal(existsSync(socket.path), false);
  socket.close(); // twice is harmless
  assert.throws(() => socket.onMessage(() => undefined), /is closed/);
  // A sender now finds no one there (python's FileNotFoundError is expected: not shown).
  const sender = sendWith("ignore", socket.path, ["READY=1"]);
  assert.notEqual(await exitOf(sender), 0);
});

test("a stale socket file is replaced; any other file in the way is left alone", { skip: NO_ADDON }, () => {
  const stale = join(dir, "stale.sock");
  closeSync(native!.notifyBind(stale)); // a daemon that died without removing its socket
  sockets.push(NotifySocket.open(stale));
  const other = join(dir, "not-a-socket");
  writeFileSync(other, "keep me");
  assert.throws(
    () => NotifySocket.open(other),
    (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, "EEXIST");
      assert.match(
        err.message,
        /not-a-socket EEXIST \(the path exists and is not a socket; it was left alone\)/,
      );
      return true;
    },
  );
  assert.equal(readFileSync(other, "utf8"), "keep me");
});

test("a path too long for a UNIX socket gives a clear error", { skip: NO_ADDON }, () => {
  const long = join(dir, "x".repeat(120));
  assert.throws(
    () => NotifySocket.open(long),
    (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, "ENAMETOOLONG");
      assert.equal(err.path, long);
      assert.match(
        err.message,
        /^bind \/\S+ ENAMETOOLONG \(the path is \d+ bytes; a UNIX socket's path holds at most 107\)$/,
      );
      return true;
    },
  );
  assert.equal(existsSync(long), false);
});

test("without the native addon, open says that notify readiness needs it", async () => {
  const module = fileURLToPath(new URL("./notify-socket.js", import.meta.url));
  const script = `import(${JSON.stringify(module)}).then((m) => m.NotifySocket.open(${JSON.stringify(join(dir, "off.sock"))}))`;
  const child = spawn(process.execPath, ["-e", `${script}.catch((e) => { console.log(e.message); })`], {
    env: { ...process.env, UPKEEP_NATIVE: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += String(chunk)));
  assert.equal(await exitOf(child), 0);
  assert.equal(out.trim(), "notify readiness needs the native addon: UPKEEP_NATIVE=0 turns it off");
});

test(
  "redis-server --supervised systemd sends READY=1 from its own PID, and STOPPING=1 on SIGTERM",
  { skip: NO_ADDON },
  async () => {
    // Not a skip: the README's test command installs redis-server (scripts/install-test-deps.sh).
    if (!existsSync(REDIS)) assert.fail(`${REDIS} is missing: install Debian's redis-server`);
    const socket = open();
    const messages: NotifyMessage[] = [];
    socket.onMessage((message) => messages.push(message));
    const [port] = await freePorts(1);
    const args = [
      "--port",
      String(port),
      "--save",
      "",
      "--appendonly",
      "no",
      "--supervised",
      "systemd",
      "--daemonize",
      "no",
    ];
    const redis = spawn(REDIS, [...args, "--dir", dir], {
      stdio: "ignore",
      env: { ...process.env, NOTIFY_SOCKET: socket.path },
    });
    children.push(redis);
    try {
      const ready = await waitFor(() => messages.find((m) => m.fields.get("READY") === "1"), {
        what: "READY=1 from redis-server",
        timeout: 10_000,
      });
      assert.equal(ready.pid, redis.pid);
      // Redis 7 sends READY=1 in a datagram of its own, after "STATUS=Ready to accept
      // connections", and it is listening by then.
      assert.ok(messages.every((m) => m.pid === redis.pid));
      assert.ok(messages.some((m) => m.fields.get("STATUS") === "Ready to accept connections"));
      const probe = await runProbe({ kind: "tcp", host: "127.0.0.1", port: port! }, { timeoutMs: 2000 });
      assert.equal(probe.ok, true, probe.detail);
      redis.kill("SIGTERM");
      await waitFor(() => messages.some((m) => m.fields.get("STOPPING") === "1"), {
        what: "STOPPING=1 from redis-server",
      });
      assert.equal(await exitOf(redis), 0);
    } finally {
      redis.kill("SIGKILL");
      await exitOf(redis);
    }
  },
);

test(
  "an '@' address is a socket in the abstract namespace, reached as sd_notify reaches it",
  { skip: NO_ADDON },
  async () => {
    const name = `@upkeep-test/${process.pid}/${++count}`;
    const socket = NotifySocket.open(name);
    sockets.push(socket);
    const messages: NotifyMessage[] = [];
    socket.onMessage((message) => messages.push(message));
    // As sd_notify does: a leading '@' becomes the NUL that starts an abstract name.
    const script = [
      "import socket, os",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
      "a = os.environ['NOTIFY_SOCKET']",
      "s.sendto(b'READY=1', '\\0' + a[1:] if a.startswith('@') else a)",
    ].join("\n");
    const child = spawn("python3", ["-c", script], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, NOTIFY_SOCKET: name },
    });
    children.push(child);
    assert.equal(await exitOf(child), 0);
    const message = await waitFor(() => messages[0], { what: "READY=1 on the abstract socket" });
    assert.equal(message.pid, child.pid);
    assert.equal(existsSync(name), false, "no file is made for it");
    socket.close();
  },
);
