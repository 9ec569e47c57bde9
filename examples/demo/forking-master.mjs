// A demo daemon of the classic kind: started, it forks a master into a session of its own and
// exits; the master writes its PID file and forks one named child per listener (a dead child
// is not replaced, so `upkeep check` has something to report when you kill one).
//   node forking-master.mjs PIDFILE NAME:PORT...
import { spawn } from "node:child_process";
import { unlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";

const [role, ...args] = process.argv[2]?.startsWith("--") ? process.argv.slice(2) : ["--start", ...process.argv.slice(2)];
const self = fileURLToPath(import.meta.url);

if (role === "--start") {
  spawn(process.execPath, [self, "--master", ...args], { detached: true, stdio: ["ignore", "inherit", "inherit"] }).unref();
  process.exit(0);
} else if (role === "--master") {
  const [pidfile, ...listeners] = args;
  process.title = "demo_master";
  const children = listeners.map((spec) => spawn(process.execPath, [self, "--child", spec], { stdio: "inherit" }));
  writeFileSync(pidfile, `${process.pid}\n`);
  console.log(`demo_master ${process.pid}: ${children.length} children`);
  process.on("SIGTERM", () => {
    for (const child of children) child.kill("SIGTERM");
    try {
      unlinkSync(pidfile);
    } catch {
      // already gone
    }
    process.exit(0);
  });
  setInterval(() => {}, 1 << 30);
} else {
  const [name, port] = args[0].split(":");
  process.title = name;
  net.createServer((socket) => socket.end(`${name}\n`)).listen(Number(port), "127.0.0.1", () => console.log(`${name} listening on ${port}`));
  process.on("SIGTERM", () => process.exit(0));
}
