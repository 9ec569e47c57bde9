/**
 * Measure 5: log capture throughput. One service writes 25 000 000 numbered lines (≈214 MB) as
 * fast as it can; the bench polls the size of its log file (stat every 2 ms, far below the
 * daemon's cost) until every byte is there, then checks the file line-exact. Two writers:
 * - the fixture (lines pre-built in memory, 1 MiB writes), timed from its first write: upkeep's
 *   capture rate, with the writer's own speed out of the way;
 * - `seq 1 25000000`, timed from the daemon's spawn event: end to end, bounded by seq itself.
 * Each row is the median of 3 runs; its peer column also gives the same writer into
 * `| cat > file` on this machine, the speed of a reader that does nothing but copy. The row
 * also gives the daemon's CPU (utime + stime) from the first captured byte to the last: what
 * capturing a fast writer costs the supervisor.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BenchDaemon, REPO_ROOT } from "./bench-daemon.js";
import { numberedLinesBytes } from "./fixtures/numbered-lines.js";
import { readCpuSeconds, sleep, wallClockMs } from "./proc-usage.js";
import { median, progress, type Row } from "./report.js";
import { verifyNumberedLines } from "./verify-lines.js";

const LINES = 25_000_000;
const FIXTURE = join(REPO_ROOT, "dist/bench/fixtures/numbered-lines.js");
const TARGET_MBPS = 500;
/** The fixture's write size (BENCH_WRITE_BYTES, default one pipe's capacity). */
const WRITE_BYTES = process.env["BENCH_WRITE_BYTES"] ?? "65536";
const PEERS = "supervisord 300–470, PM2 115 MB/s";

/** Runs per writer; the median is reported (this VM's pipe speed varies from run to run). */
const RUNS = 3;

interface Writer {
  name: string;
  argv: string[];
  /** The same writer as a shell command, for the pipe-to-cat ceiling. */
  shell: string;
  /** Seconds of one capture: from the writer's first write, or from the spawn event. */
  seconds: (run: CaptureRun) => number;
  measure: string;
}

/** Both writers, RUNS times each; MB here are 10^6 bytes. */
export async function measureLogThroughput(): Promise<Row[]> {
  const bytes = numberedLinesBytes(LINES);
  const mb = (bytes / 1e6).toFixed(0);
  const writers: Writer[] = [
    {
      name: "fixture",
      argv: [process.execPath, FIXTURE, String(LINES), WRITE_BYTES],
      shell: `'${process.execPath}' '${FIXTURE}' ${LINES} ${WRITE_BYTES}`,
      seconds: (run) => (run.completeAtMs - readStamp(run.errLog, "first-write")) / 1000,
      measure: `log capture, ${mb} MB, pre-built writer, ${Number(WRITE_BYTES) / 1024} KiB writes (from first write)`,
    },
    {
      name: "seq",
      argv: ["seq", "1", String(LINES)],
      shell: `seq 1 ${LINES}`,
      seconds: (run) => (run.completeAtMs - run.spawnedAtMs) / 1000,
      measure: `log capture, ${mb} MB, seq 1 ${LINES} (from spawn)`,
    },
  ];
  const rows: Row[] = [];
  for (const writer of writers) {
    const rates: number[] = [];
    const ceilings: number[] = [];
    const cpu: number[] = [];
    let chunks = 0;
    for (let i = 0; i < RUNS; i++) {
      const run = await captureRun(writer.name, writer.argv, bytes);
      rates.push(bytes / 1e6 / writer.seconds(run));
      cpu.push(run.daemonCpuSeconds);
      chunks += run.chunks;
      ceilings.push(measurePipeCeiling(writer.shell, bytes, writer.name === "fixture"));
    }
    const rate = median(rates);
    const each = rates.map((r) => r.toFixed(0)).join(", ");
    rows.push({
      measure: writer.measure,
      result:
        `${rate.toFixed(0)} MB/s (runs: ${each}), line-exact; ${(bytes / (chunks / RUNS) / 1024).toFixed(1)} KiB per read; ` +
        `daemon CPU ${(median(cpu) * 1000).toFixed(0)} ms`,
      target: `≥ ${TARGET_MBPS} MB/s`,
      met: rate >= TARGET_MBPS,
      peer: `${PEERS}; same writer → cat > file here: ${median(ceilings).toFixed(0)} MB/s`,
      order: 5,
    });
  }
  return rows;
}

interface CaptureRun {
  /** Wall-clock ms of the daemon's spawn event (ms resolution). */
  spawnedAtMs: number;
  /** Wall-clock ms when the log file was first seen holding every byte. */
  completeAtMs: number;
  errLog: string;
  /** Chunks the daemon read from the FIFO (its index lines for stdout). */
  chunks: number;
  /** The daemon's CPU from the first byte in the log file to the last (10 ms ticks). */
  daemonCpuSeconds: number;
}

/** Run `argv` as the only service of a fresh daemon, wait for its whole output, verify it. */
async function captureRun(name: string, argv: string[], bytes: number): Promise<CaptureRun> {
  const yaml = `  ${name}:
    command: ${JSON.stringify(argv)}
    restart: "no"
    logs: { max_size: 1GB, keep: 1 }
`;
  const bench = new BenchDaemon(`logs-${name}`, yaml);
  try {
    const outLog = join(bench.stateDir, "logs", `${name}.out.log`);
    // Poll from before the daemon starts: the output may be complete before its socket answers.
    const complete = waitForSize(outLog, bytes, 120_000, () => bench.pid);
    await bench.start();
    const { completeAtMs, daemonCpuSeconds } = await complete;
    const events = (await bench.api("GET", `/api/v1/events?service=${name}&n=100`)).json.events as {
      kind: string;
      ts: string;
    }[];
    const spawn = events.find((e) => e.kind === "spawn");
    if (!spawn) throw new Error(`no spawn event for service ${name}`);
    progress(`  ${name}: ${bytes} bytes captured; verifying line by line`);
    await verifyNumberedLines(outLog, LINES);
    // A stream's file exists once it had output (seq writes nothing to stderr).
    const errPath = join(bench.stateDir, "logs", `${name}.err.log`);
    const errLog = existsSync(errPath) ? readFileSync(errPath, "utf8") : "";
    const index = readFileSync(join(bench.stateDir, "logs", `${name}.idx`), "utf8");
    const chunks = index.match(/^\d+ o /gm)?.length ?? 0;
    return { spawnedAtMs: Date.parse(spawn.ts), completeAtMs, errLog, chunks, daemonCpuSeconds };
  } finally {
    await bench.teardown();
  }
}

/**
 * Wall-clock ms of the first poll that sees `file` at `bytes` bytes (or more: then it fails),
 * and the daemon's CPU between the polls that saw its first byte and its last.
 */
async function waitForSize(
  file: string,
  bytes: number,
  timeoutMs: number,
  daemonPid: () => number,
): Promise<{ completeAtMs: number; daemonCpuSeconds: number }> {
  const deadline = performance.now() + timeoutMs;
  let cpuAtFirstByte: number | null = null;
  for (;;) {
    let size = -1;
    try {
      size = statSync(file).size;
    } catch (err) {
      // ENOENT: the daemon has not created the log yet.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (size > 0 && cpuAtFirstByte === null) cpuAtFirstByte = readCpuSeconds(daemonPid());
    if (size === bytes) {
      const completeAtMs = wallClockMs();
      return { completeAtMs, daemonCpuSeconds: readCpuSeconds(daemonPid()) - (cpuAtFirstByte ?? 0) };
    }
    if (size > bytes) throw new Error(`${file} holds ${size} bytes, more than the ${bytes} written`);
    if (performance.now() > deadline)
      throw new Error(`${file} holds ${size} of ${bytes} bytes after ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** A `label <ms>` line the fixture wrote to stderr. */
function readStamp(errLog: string, label: string): number {
  const match = new RegExp(`^${label} ([\\d.]+)$`, "m").exec(errLog);
  if (!match)
    throw new Error(`the writer's stderr has no '${label}' stamp: ${JSON.stringify(errLog.slice(0, 200))}`);
  return Number(match[1]);
}

/**
 * The writer piped into `cat > FILE` (a temp file beside the bench's state dirs): what a plain
 * reader that also writes to disk gets on this machine. With stamps, from the fixture's first
 * to last write; else the whole pipeline's wall time.
 */
function measurePipeCeiling(command: string, bytes: number, stamped: boolean): number {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-bench-cat-"));
  try {
    const t0 = performance.now();
    const r = spawnSync("sh", ["-c", `${command} | cat > '${join(dir, "out")}'`], { encoding: "utf8" });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`'${command} | cat' failed: ${r.stderr}`);
    const seconds = stamped
      ? (readStamp(r.stderr, "last-write") - readStamp(r.stderr, "first-write")) / 1000
      : wall;
    return bytes / 1e6 / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
