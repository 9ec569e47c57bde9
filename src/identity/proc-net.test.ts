import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { test } from "node:test";
import {
  decodeProcNetAddress,
  formatIPv6,
  parseProcNetInet,
  parseProcNetUnix,
  readListeningSockets,
} from "./proc-net.js";

test("decodeProcNetAddress reads IPv4 as one host-order word and IPv6 as four", () => {
  assert.equal(decodeProcNetAddress("0100007F"), "127.0.0.1");
  assert.equal(decodeProcNetAddress("00000000"), "0.0.0.0");
  assert.equal(decodeProcNetAddress("0200000A"), "10.0.0.2");
  assert.equal(decodeProcNetAddress("00000000000000000000000000000000"), "::");
  assert.equal(decodeProcNetAddress("00000000000000000000000001000000"), "::1");
  assert.equal(decodeProcNetAddress("0000000000000000FFFF00000100007F"), "::ffff:127.0.0.1");
  assert.equal(decodeProcNetAddress("000080FE00000000FF5B3402FE1D0C65"), "fe80::234:5bff:650c:1dfe");
  assert.equal(decodeProcNetAddress("B80D0120000000000000000001000000"), "2001:db8::1");
  assert.throws(() => decodeProcNetAddress("0100007"), /cannot decode the \/proc\/net address/);
  assert.throws(() => decodeProcNetAddress("0100007G"), /cannot decode/);
});

test("formatIPv6 compresses the longest zero run, the first on a tie, and never a single zero", () => {
  const bytes = (groups: number[]): Buffer => {
    const buf = Buffer.alloc(16);
    groups.forEach((g, i) => buf.writeUInt16BE(g, i * 2));
    return buf;
  };
  assert.equal(formatIPv6(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), "2001:db8::1:0:0:1");
  assert.equal(formatIPv6(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), "2001:db8:0:1:1:1:1:1");
  assert.equal(formatIPv6(bytes([0x2001, 0, 0, 1, 0, 0, 0, 1])), "2001:0:0:1::1");
  assert.equal(formatIPv6(bytes([1, 0, 0, 0, 0, 0, 0, 0])), "1::");
  assert.equal(formatIPv6(bytes([0xfe80, 0xabcd, 1, 2, 3, 4, 5, 6])), "fe80:abcd:1:2:3:4:5:6");
});

test("parseProcNetInet keeps LISTEN (tcp) or unconnected (udp) rows, skips others and the header", () => {
  const tcp = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 636 1 0 100 0 0 10 0",
    "   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 9001 1 0 20 4 30 10 -1",
    "   2: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 0 100 0 0 10 0",
    "",
  ].join("\n");
  assert.deepEqual(parseProcNetInet(tcp, "tcp"), [
    { protocol: "tcp", address: "0.0.0.0", port: 2024, inode: 636 },
  ]);
  const udp6 = [
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
    "  12: 00000000000000000000000001000000:14E9 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0 0",
    "  13: 00000000000000000000000001000000:14EA 00000000000000000000000001000000:0035 01 00000000:00000000 00:00000000 00000000     0        0 4243 2 0 0",
  ].join("\n");
  assert.deepEqual(parseProcNetInet(udp6, "udp6"), [
    { protocol: "udp6", address: "::1", port: 5353, inode: 4242 },
  ]);
  assert.deepEqual(parseProcNetInet(udp6, "tcp6"), [], "state 07 is not LISTEN for TCP");
});

test("parseProcNetUnix keeps sockets flagged __SO_ACCEPTCON, paths with spaces, abstract names unpadded", () => {
  const text = [
    "Num       RefCount Protocol Flags    Type St Inode Path",
    "000000009d88c971: 00000002 00000000 00010000 0001 01 162301 /run/my app/upkeep.sock",
    "0000000050216d61: 00000003 00000000 00000000 0001 03   633",
    "00000000aa216d61: 00000002 00000000 00010000 0005 01  7001 @upkeep-abstract",
    "00000000bb216d61: 00000002 00000000 00000000 0002 01  7002 /run/dgram.sock",
    `00000000cc216d61: 00000002 00000000 00010000 0001 01  7003 @node-app${"@".repeat(99)}`,
  ].join("\n");
  assert.deepEqual(parseProcNetUnix(text), [
    { protocol: "unix", path: "/run/my app/upkeep.sock", inode: 162301 },
    { protocol: "unix", path: "@upkeep-abstract", inode: 7001 },
    { protocol: "unix", path: "@node-app", inode: 7003 },
  ]);
});

test("readListeningSockets shows a server of this process while it listens, and not after", async () => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const found = readListeningSockets().filter((s) => s.port === port && s.protocol === "tcp");
  assert.equal(found.length, 1);
  assert.equal(found[0]?.address, "127.0.0.1");
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  // close() unbinds before calling back: no wait needed.
  assert.ok(!readListeningSockets().some((s) => s.port === port && s.protocol === "tcp"));
});
