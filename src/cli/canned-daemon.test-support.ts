/**
 * Test support for the CLI: a real HTTP server on a real UNIX socket in a temp dir that answers
 * with canned JSON (a stand-in for the daemon's API, not a mock of the OS), and a CliIo that
 * collects what a command prints.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "./io.js";

export interface SeenRequest {
  method: string;
  url: string;
  body: string;
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void;

export interface CannedDaemon {
  dir: string; // temp dir holding upkeep.yaml and the state dir
  configFile: string;
  stateDir: string;
  socketPath: string;
  seen: SeenRequest[];
  server: Server;
  close(): Promise<void>;
}

/** Writes a config with a state dir in a fresh temp dir (nothing listens yet). */
export function makeTempConfig(services: readonly string[] = ["web"]): {
  dir: string;
  configFile: string;
  stateDir: string;
} {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-cli-"));
  const stateDir = join(dir, "state");
  const configFile = join(dir, "upkeep.yaml");
  const body = services.map((name) => `  ${name}:\n    command: [sleep, "1000"]\n`).join("");
  writeFileSync(configFile, `state_dir: ./state\nhttp: false\nservices:\n${body}`);
  return { dir, configFile, stateDir };
}

/** Answers `res` with a JSON body and status. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Starts a canned daemon on `<dir>/state/upkeep.sock`; `handler` answers every request. */
export async function startCannedDaemon(
  handler: Handler,
  services?: readonly string[],
): Promise<CannedDaemon> {
  const { dir, configFile, stateDir } = makeTempConfig(services);
  mkdirSync(stateDir);
  const socketPath = join(stateDir, "upkeep.sock");
  const seen: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        url: req.url ?? "",
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    dir,
    configFile,
    stateDir,
    socketPath,
    seen,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CapturedIo {
  io: CliIo;
  out(): string;
  err(): string;
  interrupt(): void;
}

/** A CliIo whose output is collected, in `cwd`, with a Ctrl-C the test can press. */
export function captureIo(cwd: string, env: NodeJS.ProcessEnv = {}, tty = false): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const collect = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  return {
    io: {
      stdout: { write: collect(out), isTTY: tty },
      stderr: { write: collect(err) },
      env,
      cwd,
      interruptSignal: () => controller.signal,
    },
    out: () => out.join(""),
    err: () => err.join(""),
    interrupt: () => controller.abort(),
  };
}
