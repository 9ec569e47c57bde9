import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { test } from "node:test";
import { readListeningSockets } from "./proc-net.js";
import { readSocketInodes } from "./socket-inodes.js";
import { createMarker, isAlive, waitForExit } from "./test-fixtures.js";

test("readSocketInodes holds the inode /proc/net lists for a socket this process bound", async () => {
  const udp = createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  try {
    const port = udp.address().port;
    const listed = readListeningSockets().find((s) => s.protocol === "udp" && s.port === port);
    assert.ok(listed, `udp port ${port} is listed in /proc/net/udp`);
    assert.ok(readSocketInodes(process.pid).has(listed.inode));
  } finally {
    await new Promise<void>((resolve) => udp.close(resolve));
  }
});

test("readSocketInodes is empty for a process that has exited, and for one without sockets", async () => {
  const child = spawn("sleep", [createMarker()], { stdio: "ignore" });
  try {
    // `sleep` with stdio ignored holds /dev/null only: no socket.
    assert.equal(readSocketInodes(child.pid!).size, 0);
  } finally {
    child.kill("SIGKILL");
    await waitForExit(child);
  }
  assert.ok(!isAlive(child.pid!));
  assert.deepEqual(readSocketInodes(child.pid!), new Set());
  assert.deepEqual(readSocketInodes(2 ** 22 + 1), new Set(), "a PID above pid_max never existed");
});
