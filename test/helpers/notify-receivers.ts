/**
 * Real receivers for notification tests: an HTTP server that records webhooks (or never
 * answers), a real SMTP server (smtp-server, from the nodemailer project) with optional AUTH
 * and STARTTLS on a self-signed certificate made here with the openssl CLI (test-only, in the
 * test's temp dir), and readers for what the exec recorder fixture wrote.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";

export interface Hook {
  headers: IncomingMessage["headers"];
  body: string;
  json: any;
}

export interface HookServer {
  url: string;
  hooks: Hook[];
  /** Requests received and never answered (hang mode). */
  held: ServerResponse[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0 that records each POST and answers 200, or holds it unanswered. */
export async function startHookServer(mode: "answer" | "hang" = "answer"): Promise<HookServer> {
  const hooks: Hook[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      hooks.push({ headers: req.headers, body, json: JSON.parse(body) });
      if (mode === "hang") held.push(res);
      else res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook/secret-path`,
    hooks,
    held,
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Mail {
  raw: string;
  from: string;
  to: string[];
  user: string | null;
  secure: boolean;
  /** Header value (unfolded), by lower-case name. */
  header(name: string): string | undefined;
  /** The text body, transfer encoding undone. */
  text: string;
}

export interface SmtpReceiver {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

/** Parses a raw RFC 5322 message enough for the tests: unfolded headers, decoded text body. */
export function parseMail(raw: string): Pick<Mail, "header" | "text"> {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let text = raw.slice(split + 4);
  const encoding = headers.get("content-transfer-encoding")?.toLowerCase();
  if (encoding === "quoted-printable") {
    text = text
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    text = Buffer.from(text, "latin1").toString("utf8");
  } else if (encoding === "base64") text = Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
  return { header: (name) => headers.get(name.toLowerCase()), text: text.replace(/\r\n/g, "\n") };
}

/** A self-signed certificate for 127.0.0.1 (test-only, made now, never committed). */
export function makeSelfSignedCert(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, "smtp-test-key.pem");
  const certFile = join(dir, "smtp-test-cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), certFile };
}

/** A real SMTP server on 127.0.0.1:0: plain, or STARTTLS with `tls`; AUTH accepts `auth` only. */
export async function startSmtpReceiver(options: {
  tls?: { key: string; cert: string };
  auth?: { user: string; pass: string };
}): Promise<SmtpReceiver> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    logger: false,
    secure: false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { disabledCommands: ["STARTTLS"] }),
    authOptional: options.auth === undefined,
    allowInsecureAuth: options.tls === undefined,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass)
        return callback(null, { user: auth.username });
      callback(new Error("535 authentication failed"));
    },
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (d: Buffer) => (raw += d.toString("utf8")));
      stream.on("end", () => {
        const rcpt = session.envelope.rcptTo.map((r) => r.address);
        const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
        mails.push({
          raw,
          from,
          to: rcpt,
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
          ...parseMail(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface Recorded {
  id: string;
  event: string;
  service: string;
  subject: string;
  secretSeen: string;
  payload: any;
}

/** What the notify-recorder fixture wrote: one delivery per line. */
export function readRecorded(file: string): Recorded[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [id = "", event = "", service = "", subject = "", secretSeen = "", ...json] = line.split("\t");
      return { id, event, service, subject, secretSeen, payload: JSON.parse(json.join("\t")) };
    });
}

/**
 * The CLI run without blocking the test's event loop (TestEnv.cli is synchronous): needed when
 * the command makes the daemon talk to a receiver that lives in this test process.
 */
export function runCli(
  cli: string,
  configFile: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "--config", configFile, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
