import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadYaml, problemLines, serviceOf, validConfig } from "./config-test-kit.js";
import { effectiveNotify } from "./notify-model.js";
import { formatProblem } from "./format-problem.js";

test("notify: every channel with its keys, defaults filled in, secrets kept as where they are", (t) => {
  process.env["UPKEEP_TEST_SMTP_PASSWORD"] = "hunter2";
  t.after(() => delete process.env["UPKEEP_TEST_SMTP_PASSWORD"]);
  const result = loadYaml(
    t,
    `notify:
  on: [crash, failed, recovered]
  min_interval: 2m
  exec: [/usr/local/bin/page-me, --urgent]
  webhook: { url: "https://hooks.example.com/T000/secret-path", timeout: 5s, retries: 2 }
  email:
    smtp: smtp://mail.example.com:587
    from: upkeep@host.example.com
    to: ops@example.com
    starttls: required
    user: upkeep
    password_env: UPKEEP_TEST_SMTP_PASSWORD
services:
  web:
    command: [web]
    notify: { on: [crash], min_interval: 10s, webhook: false }
  quiet:
    command: [q]
    notify: false
`,
  );
  const config = validConfig(result);
  const notify = config.notify!;
  assert.deepEqual(notify.on, ["crash", "failed", "recovered"]);
  assert.equal(notify.minIntervalMs, 120_000);
  assert.deepEqual(notify.exec, {
    kind: "exec",
    command: ["/usr/local/bin/page-me", "--urgent"],
    timeoutMs: 10_000,
    retries: 5,
  });
  assert.equal(notify.webhook?.timeoutMs, 5000);
  assert.equal(notify.webhook?.retries, 2);
  assert.deepEqual(notify.email?.password, { env: "UPKEEP_TEST_SMTP_PASSWORD" });
  assert.equal(notify.email?.starttls, "required");
  assert.deepEqual(notify.email?.to, ["ops@example.com"]);
  assert.ok(!JSON.stringify(config).includes("hunter2"), "the secret itself is not in the config");

  const web = effectiveNotify(notify, serviceOf(result, "web").notify);
  assert.deepEqual(web?.on, ["crash"]);
  assert.equal(web?.minIntervalMs, 10_000);
  assert.equal(web?.webhook, null, "webhook: false drops the global webhook for this service");
  assert.ok(web?.exec !== null && web?.email !== null, "the other channels are inherited");
  assert.equal(effectiveNotify(notify, serviceOf(result, "quiet").notify), null);
});

test("config check reports bad notify values with file:line:col: URL, event kind, SMTP host, secret file", (t) => {
  const result = loadYaml(
    t,
    `notify:
  on: [crash, crashed, everything]
  min_interval: 5
  webhook: { url: "ftp://user:pw@example.com/x" }
  email:
    from: upkeep@host
    to: [ops@example.com, nobody]
    password_file: ./missing.password
services:
  web:
    command: [web]
    notify: { webhook: "not a url", exec: [] }
`,
  );
  assert.deepEqual(
    problemLines(result),
    [
      "2:15 notify.on[1]: unknown event kind; did you mean 'crash'?",
      "2:24 notify.on[2]: unknown event kind",
      "3:17 notify.min_interval: the unit is missing: write 5s",
      "4:19 notify.webhook.url: the scheme must be http or https, not ftp",
      "6:5 notify.email.smtp: email names no SMTP host and no sendmail",
      "7:27 notify.email.to[1]: not a mail address",
      "8:20 notify.email.password_file: cannot read password_file " +
        join(result.dir, "missing.password") +
        ": no such file",
      "12:24 services.web.notify.webhook: not a valid URL",
      "12:43 services.web.notify.exec: command is empty",
    ].sort(byPosition),
  );
  const text = result.ok ? "" : result.problems.map(formatProblem).join("\n");
  assert.ok(!text.includes("pw@"), `the URL's password is never shown:\n${text}`);
  assert.match(text, /upkeep\.yaml:4:19: notify\.webhook\.url: /);
});

function byPosition(a: string, b: string): number {
  const [la, ca] = a.split(" ")[0]!.split(":").map(Number);
  const [lb, cb] = b.split(" ")[0]!.split(":").map(Number);
  return la! - lb! || ca! - cb!;
}

test("a secret file that cannot be read, a variable that is not set, and both at once are problems; the secret is never shown", (t) => {
  const result = loadYaml(t, "");
  const dir = result.dir;
  writeFileSync(join(dir, "empty.secret"), "");
  writeFileSync(join(dir, "good.secret"), "s3cret-value\n");
  chmodSync(join(dir, "good.secret"), 0o600);
  const again = loadYaml(
    t,
    `notify:
  webhook: { url: "http://127.0.0.1:9/h", secret_file: ${join(dir, "empty.secret")} }
  email: { smtp: "smtp://:25", from: a@b, to: c@d, user: u, password_env: UPKEEP_TEST_NOT_SET }
services:
  a:
    command: [a]
    notify: { webhook: { url: "http://127.0.0.1:9/h", secret_file: ${join(dir, "good.secret")}, secret_env: HOME } }
`,
  );
  const lines = problemLines(again);
  assert.ok(
    lines.some((l) =>
      /^2:\d+ notify\.webhook\.secret_file: cannot read secret_file .*: it is empty$/.test(l),
    ),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /^3:\d+ notify\.email\.smtp: not a valid URL|the URL names no host/.test(l)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /notify\.email\.password_env: the variable UPKEEP_TEST_NOT_SET is not set/.test(l)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) =>
      /services\.a\.notify\.webhook\.secret_env: secret_file and secret_env both set: choose one/.test(l),
    ),
    lines.join("\n"),
  );
  assert.ok(!JSON.stringify(again).includes("s3cret-value"));
});

test("sendmail: true is the host's MTA; a notify section without a channel is a problem", (t) => {
  const ok = loadYaml(t, `notify:\n  email: { sendmail: true, from: upkeep@h, to: root@localhost }\n`);
  assert.equal(validConfig(ok).notify?.email?.sendmail, "/usr/sbin/sendmail");
  const none = loadYaml(t, `notify:\n  on: [crash]\n`);
  assert.deepEqual(problemLines(none), ["2:3 notify: notify names no channel"]);
});

test("a secret file other users can read is noted with the chmod that fixes it", (t) => {
  const first = loadYaml(t, "");
  const file = join(first.dir, "open.secret");
  writeFileSync(file, "k\n");
  chmodSync(file, 0o644);
  const result = loadYaml(t, `notify:\n  webhook: { url: "http://127.0.0.1:1/h", secret_file: ${file} }\n`);
  validConfig(result);
  assert.deepEqual(
    result.notes
      .filter((n) => n.keyPath.startsWith("notify"))
      .map((n) => `${n.line}:${n.column} ${n.keyPath}: ${n.message}`),
    [`2:56 notify.webhook.secret_file: ${file} (mode 0644) can be read by other users: chmod 600 ${file}`],
  );
});
