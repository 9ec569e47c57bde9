import assert from "node:assert/strict";
import { test } from "node:test";
import type { ProcessJson } from "../../api/wire.js";
import { formatListen, renderProcessTree } from "./process-tree.js";

function proc(pid: number, ppid: number, cmdline: string[], children: ProcessJson[] = []): ProcessJson {
  return { pid, ppid, name: cmdline[0] ?? "?", state: "S", cmdline, listening: [], children };
}

test("sockets read as protocol and address, IPv6 in brackets", () => {
  assert.equal(formatListen({ protocol: "tcp", address: "127.0.0.1", port: 8080 }), "tcp 127.0.0.1:8080");
  assert.equal(formatListen({ protocol: "tcp6", address: "::", port: 443 }), "tcp6 [::]:443");
  assert.equal(formatListen({ protocol: "unix", path: "" }), "unix (unnamed)");
});

test("the tree is drawn with branches, deeper levels keep the parent's line", () => {
  const worker = proc(12, 10, ["worker"], [proc(13, 12, ["helper"])]);
  const last = proc(14, 10, ["cache"]);
  last.listening = [{ protocol: "udp", address: "0.0.0.0", port: 53 }];
  const text = renderProcessTree({
    name: "web",
    state: "running",
    pid: 10,
    processes: [proc(10, 1, ["master"], [worker, last]), proc(20, 1, [])],
  });
  assert.equal(
    text,
    [
      "PID  STATE  PROCESS       LISTEN",
      "10   S      master",
      "12   S      ├─ worker",
      "13   S      │  └─ helper",
      "14   S      └─ cache      udp 0.0.0.0:53",
      "20   S      [?]",
      "",
    ].join("\n"),
  );
});
