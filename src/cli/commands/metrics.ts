/**
 * `upkeep metrics [--output FILE]`: the daemon's /metrics text (Prometheus exposition format),
 * for node_exporter's textfile collector on hosts that do not serve HTTP. With --output the
 * file is replaced atomically (a temp file in the same dir, then a rename), as the collector
 * requires: it never reads half a file. When the daemon cannot be asked, the output still
 * says so, `upkeep_up 0`, so that a file written earlier does not go on claiming that every
 * service is up; the error follows on stderr with its exit code (3: not running).
 */
import { dirname, resolve } from "node:path";
import { describeErrno, writeFileAtomic } from "../../core/atomic-write.js";
import { UpkeepError, errnoOf } from "../../core/errors.js";
import type { ParsedCommand } from "../command-spec.js";
import { requestText } from "../client.js";
import type { CliIo } from "../io.js";
import { endpointFor, resolveTarget } from "../target.js";

const METRICS_TIMEOUT_MS = 30_000;

/** What is known when the daemon did not answer: only that. */
export const DAEMON_DOWN_TEXT =
  "# HELP upkeep_up 1: the daemon answered (`upkeep metrics` writes 0 when it does not).\n" +
  "# TYPE upkeep_up gauge\n" +
  "upkeep_up 0\n";

export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const output = typeof command.flags.output === "string" ? resolve(io.cwd, command.flags.output) : null;
  let text: string;
  let failure: UpkeepError | null = null;
  try {
    text = await requestText(endpoint, "GET", "/api/v1/metrics", undefined, {
      timeoutMs: METRICS_TIMEOUT_MS,
    });
  } catch (err) {
    if (!(err instanceof UpkeepError)) throw err;
    failure = err;
    text = DAEMON_DOWN_TEXT;
  }
  if (output === null) io.stdout.write(text);
  else writeOutput(output, text);
  if (failure !== null) throw failure;
  return 0;
}

/** Replaces FILE atomically; a failure names the file, the cause and the fix for that cause. */
function writeOutput(file: string, text: string): void {
  try {
    writeFileAtomic(file, text, 0o644);
  } catch (err) {
    const found = (err instanceof UpkeepError ? err.details.errno : undefined) ?? errnoOf(err);
    const errno = typeof found === "string" ? found : undefined;
    throw new UpkeepError(
      "METRICS_OUTPUT_UNWRITABLE",
      `cannot write the metrics to ${file}: ${whyUnwritable(file, errno, err)}`,
      {
        hint: hintFor(file, errno),
        details: { file, ...(errno !== undefined ? { errno } : {}) },
        cause: err,
      },
    );
  }
}

/** The cause in words; the temp file's name stays out of it (the operator gave FILE). */
function whyUnwritable(file: string, errno: string | undefined, err: unknown): string {
  if (errno === "ENOENT") return `the directory ${dirname(file)} does not exist (ENOENT)`;
  if (errno === "ENOTDIR") return `a part of ${dirname(file)} is not a directory (ENOTDIR)`;
  return errno !== undefined ? describeErrno(errno, err) : String(err);
}

function hintFor(file: string, errno: string | undefined): string {
  const dir = dirname(file);
  const directoryInTheWay = `${file} is a directory: remove it (rmdir ${file}) or give another --output file`;
  const diskFull = `free space on the file system of ${dir} (df -h ${dir}), then run the command again`;
  const hints: Record<string, string> = {
    ENOENT: `make it: mkdir -p ${dir} (node_exporter reads *.prom files from its --collector.textfile.directory)`,
    EISDIR: directoryInTheWay,
    ENOTEMPTY: directoryInTheWay,
    ENOSPC: diskFull,
    EDQUOT: diskFull,
    EROFS: `${dir} is on a read-only file system: give an --output file on a writable one`,
  };
  return (
    (errno !== undefined ? hints[errno] : undefined) ??
    `make ${dir} exist and writable by this user (node_exporter reads *.prom files from its --collector.textfile.directory)`
  );
}
