import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CLI, withTestEnv, type TestEnv } from "../helpers/daemon.js";
import {
  makeSelfSignedCert,
  readRecorded,
  runCli,
  startHookServer,
  startSmtpReceiver,
} from "../helpers/notify-receivers.js";
import { freePorts } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

/** A service that crashes once (exit 3, after a line on each stream), then runs. */
function crashOnce(env: TestEnv): string {
  const flag = join(env.dir, "crashed-{marker}");
  const script =
    'if [ -e "$0" ]; then echo "second start: fine"; exec sleep 1000; fi; touch "$0"; ' +
    'echo "starting up"; echo "boom: cannot connect to db" >&2; exit 3';
  return `[sh, -c, ${JSON.stringify(script)}, "${flag}"]`;
}

describe("notifications through every channel", () => {
  test("exec gets the event JSON and UPKEEP_* variables but no secret variable; a signed webhook; recovered closes the story", async () => {
    await withTestEnv(async (env) => {
      const hooks = await startHookServer();
      process.env["UPKEEP_TEST_SECRET"] = "hook-secret-value";
      try {
        const out = join(env.dir, "exec.out");
        env.writeConfig(`
notify:
  on: [crash, recovered]
  min_interval: 1s
  exec: ["{fixtures}/notify-recorder", "${out}"]
  webhook: { url: "${hooks.url}", secret_env: UPKEEP_TEST_SECRET }
services:
  once:
    command: ${crashOnce(env)}
    backoff: { initial: 100ms, reset_after: 1s }
`);
        await env.startDaemon();
        const got = await waitFor(
          () => {
            const r = readRecorded(out);
            return r.some((x) => x.event === "recovered") ? r : null;
          },
          { what: "the exec notifier to get the crash and the recovery", timeout: 20_000 },
        );
        const crash = got.find((r) => r.event === "crash")!;
        assert.equal(crash.service, "once");
        assert.equal(crash.secretSeen, "", "the variable named by secret_env is not passed to exec programs");
        assert.match(crash.subject, new RegExp(`^\\[upkeep\\] once on ${hostname()}: crashed \\(exit 3\\)`));
        assert.equal(crash.payload.exit_code, 3);
        assert.ok(
          crash.payload.last_lines.includes("boom: cannot connect to db"),
          JSON.stringify(crash.payload.last_lines),
        );
        assert.match(crash.payload.text, /upkeep --config .*upkeep\.yaml status once/);
        assert.equal(crash.id, `${crash.payload.id}-exec`);
        const { pid } = await env.status("once");
        const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
        assert.ok(environ.includes("UPKEEP_TEST_MARKER="), "the service's environment was read");
        assert.ok(
          !environ.includes("UPKEEP_TEST_SECRET"),
          "a variable named by secret_env is not inherited by services",
        );
        const recovered = got.find((r) => r.event === "recovered")!;
        assert.match(recovered.subject, /recovered after 1 crash in/);

        await waitFor(() => hooks.hooks.length >= 2, { what: "the webhook to get both messages" });
        for (const hook of hooks.hooks) {
          const expected = `sha256=${createHmac("sha256", "hook-secret-value").update(hook.body).digest("hex")}`;
          assert.equal(
            hook.headers["upkeep-signature"],
            expected,
            "the signature is the HMAC of the raw body",
          );
          assert.equal(hook.headers["upkeep-delivery"], `${hook.json.id}-webhook`);
          assert.equal(hook.headers["content-type"], "application/json");
        }
        assert.deepEqual(
          hooks.hooks.map((h) => h.json.kind),
          ["crash", "recovered"],
        );
        const events = await env.events("once");
        assert.ok(!JSON.stringify(events).includes("hook-secret-value"));
        assert.ok(!JSON.stringify(events).includes("secret-path"), "the hook's path is never in an event");
      } finally {
        delete process.env["UPKEEP_TEST_SECRET"];
        await hooks.close();
      }
    });
  });

  test("email over a real SMTP server with AUTH: subject, body and headers as a person reads them", async () => {
    await withTestEnv(async (env) => {
      const smtp = await startSmtpReceiver({ auth: { user: "upkeep", pass: "smtp-pass-1" } });
      try {
        const passwordFile = join(env.dir, "smtp.password");
        writeFileSync(passwordFile, "smtp-pass-1\n", { mode: 0o600 });
        env.writeConfig(`
notify:
  on: [crash]
  email:
    smtp: smtp://127.0.0.1:${smtp.port}
    starttls: off
    from: upkeep@test.example
    to: [ops@example.com, oncall@example.com]
    user: upkeep
    password_file: ${passwordFile}
services:
  once:
    command: ${crashOnce(env)}
    backoff: { initial: 100ms }
`);
        await env.startDaemon();
        const mail = await waitFor(() => smtp.mails[0], { what: "the mail to arrive", timeout: 20_000 });
        assert.equal(mail.user, "upkeep", "logged in with the password from password_file");
        assert.equal(mail.from, "upkeep@test.example");
        assert.deepEqual(mail.to, ["ops@example.com", "oncall@example.com"]);
        assert.match(
          mail.header("subject") ?? "",
          new RegExp(`^\\[upkeep\\] once on ${hostname()}: crashed \\(exit 3\\), 1 restart`),
        );
        assert.match(mail.header("message-id") ?? "", /^<[0-9a-z]+-[0-9a-f]{12}-email@upkeep\./);
        assert.equal(mail.header("auto-submitted"), "auto-generated");
        assert.match(mail.text, /what happened +/);
        assert.match(mail.text, /restarts +1 so far/);
        assert.match(mail.text, /\| boom: cannot connect to db/);
        assert.match(mail.text, /upkeep --config \S+upkeep\.yaml logs once -n 100 --timestamps/);
        assert.ok(!mail.raw.includes("smtp-pass-1"));

        // The password file is read at each send: a wrong one fails with the server's own words.
        writeFileSync(passwordFile, "wrong-pass-2\n");
        const test = await runCli(CLI, env.configFile, "notify", "test", "--json");
        assert.equal(test.code, 1, test.stdout + test.stderr);
        const [email] = JSON.parse(test.stdout).results;
        assert.equal(email.ok, false);
        assert.match(email.error, /^mail via smtp:\/\/127\.0\.0\.1:\d+ failed \(EAUTH\): .*535/);
        for (const secret of ["smtp-pass-1", "wrong-pass-2"]) {
          assert.ok(!test.stdout.includes(secret) && !test.stderr.includes(secret));
          assert.ok(!env.daemonOutput.includes(secret), "the password is never printed");
          assert.ok(!JSON.stringify(await env.events("once")).includes(secret));
        }
      } finally {
        await smtp.close();
      }
    });
  });

  test("notify test: STARTTLS with a self-signed certificate (ca_file), sendmail, and a failing webhook, each reported", async () => {
    await withTestEnv(async (env) => {
      const cert = makeSelfSignedCert(env.dir);
      const smtp = await startSmtpReceiver({ tls: cert });
      const [closed] = await freePorts(1); // nothing listens there: the webhook fails
      const sendmail = join(env.dir, "fake-sendmail");
      const sendmailOut = join(env.dir, "sendmail.out");
      writeFileSync(sendmail, `#!/bin/sh\n{ echo "ARGS: $*"; cat; } > "${sendmailOut}"\n`);
      chmodSync(sendmail, 0o755);
      try {
        env.writeConfig(`
notify:
  email:
    smtp: smtp://127.0.0.1:${smtp.port}
    starttls: required
    ca_file: ${cert.certFile}
    from: upkeep@test.example
    to: ops@example.com
  webhook: { url: "http://127.0.0.1:${closed}/closed/secret-path", timeout: 2s }
services:
  web:
    command: ["{fixtures}/exit-after", "{marker}", "1000", "0"]
    notify:
      email: { sendmail: ${sendmail}, from: upkeep@test.example, to: root@localhost }
      webhook: false
`);
        await env.startDaemon();
        const all = await runCli(CLI, env.configFile, "notify", "test", "--json");
        assert.equal(all.code, 1, all.stdout + all.stderr);
        const results = JSON.parse(all.stdout).results;
        const email = results.find((r: any) => r.channel === "email");
        assert.equal(email.ok, true, JSON.stringify(email));
        const webhook = results.find((r: any) => r.channel === "webhook");
        assert.equal(webhook.ok, false);
        assert.equal(webhook.error, `POST http://127.0.0.1:${closed}/… failed: ECONNREFUSED`);
        assert.ok(!all.stdout.includes("secret-path"), "the webhook's path is not shown");
        const mail = await waitFor(() => smtp.mails[0], { what: "the STARTTLS mail" });
        assert.equal(mail.secure, true, "the session was upgraded with STARTTLS");
        assert.match(mail.header("subject") ?? "", /: test message$/);

        const one = await runCli(CLI, env.configFile, "notify", "test", "web");
        assert.equal(one.code, 0, one.stdout + one.stderr);
        assert.match(one.stdout, /^email {3}\S+fake-sendmail to root@localhost: delivered in \d+ ms/m);
        assert.doesNotMatch(one.stdout, /webhook/);
        const sent = readFileSync(sendmailOut, "utf8");
        assert.match(sent, /^ARGS: -t -oi -f upkeep@test\.example$/m);
        assert.match(sent, /^To: root@localhost$/m);
        assert.match(sent, /^Subject: \[upkeep\] web on .*: test message$/m);
      } finally {
        await smtp.close();
      }
    });
  });
});
