/**
 * The path probe (conditions only): the path exists. stat follows symbolic links, so a link
 * to nothing does not count. The stat runs on libuv's threadpool; one on a hung network mount
 * is abandoned at the timeout (it cannot be cancelled, its late answer is ignored).
 */
import { stat } from "node:fs/promises";
import type { ProbeSpec } from "../config/model.js";
import { isErrno } from "../core/errors.js";
import { describeError, runBounded, type ProbeContext, type ProbeOutcome } from "./probe-outcome.js";

/** Checks the path once; never rejects. */
export function probePath(
  spec: Extract<ProbeSpec, { kind: "path" }>,
  context: ProbeContext,
): Promise<ProbeOutcome> {
  const subject = `path ${spec.path}`;
  return runBounded(context, subject, (finish) => {
    stat(spec.path).then(
      (stats) => finish({ ok: true, detail: `${subject} exists (${kindOf(stats)})` }),
      (err: unknown) => {
        // ENOTDIR: a component of the path is a file, so the path cannot exist either.
        const missing = isErrno(err, "ENOENT") || isErrno(err, "ENOTDIR");
        finish({
          ok: false,
          detail: missing ? `${subject} does not exist` : `${subject}: ${describeError(err)}`,
        });
      },
    );
    return () => undefined;
  });
}

function kindOf(stats: { isFile(): boolean; isDirectory(): boolean; isSocket(): boolean }): string {
  if (stats.isFile()) return "a file";
  if (stats.isDirectory()) return "a directory";
  if (stats.isSocket()) return "a socket";
  return "a special file";
}
