import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, rmSync } from "node:fs";
import { describe, test } from "node:test";
import { CLI, withTestEnv } from "../helpers/daemon.js";
import { makeSelfSignedCert, runCli, startSmtpReceiver } from "../helpers/notify-receivers.js";
import { waitFor } from "../helpers/wait-for.js";

// Never again: the email channel read `ca_file` with a plain readFileSync at each send. A FIFO
// put there after the config was checked blocked the daemon's only thread in open(2): no
// service was supervised, no command answered. It is now read like the secret files: without
// blocking, a regular file only, bounded; what is wrong fails that delivery, naming the file.
describe("email ca_file swapped for a FIFO after start", () => {
  test("fails the delivery by name, and the daemon keeps answering", async () => {
    await withTestEnv(async (env) => {
      const cert = makeSelfSignedCert(env.dir);
      const smtp = await startSmtpReceiver({});
      try {
        env.writeConfig(`
notify:
  email:
    smtp: smtp://127.0.0.1:${smtp.port}
    starttls: off
    ca_file: ${cert.certFile}
    from: upkeep@test.example
    to: ops@example.com
services:
  t:
    command: ["{fixtures}/ticker", "{marker}", "1"]
`);
        await env.startDaemon();
        await env.waitForService("t", "running", "t to run");
        rmSync(cert.certFile);
        execFileSync("mkfifo", ["-m", "600", cert.certFile]);
        try {
          const sent = runCli(CLI, env.configFile, "notify", "test", "--json");
          const result = await waitFor(() => Promise.race([sent, Promise.resolve(null)]), {
            what: "notify test to answer (the daemon must not block on the FIFO)",
            timeout: 15_000,
          });
          const email = JSON.parse(result.stdout).results.find((r: any) => r.channel === "email");
          assert.equal(email.ok, false, JSON.stringify(email));
          assert.match(email.error, /ca_file/);
          assert.match(email.error, /FIFO/);
          const status = await env.api("GET", "/api/v1/status");
          assert.equal(status.status, 200);
        } finally {
          // Let a reader still blocked in open(2) go, so that teardown is quick either way.
          closeSync(openSync(cert.certFile, constants.O_RDWR | constants.O_NONBLOCK));
        }
      } finally {
        await smtp.close();
      }
    });
  });
});
