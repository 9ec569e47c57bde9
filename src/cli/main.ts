/**
 * The `upkeep` command line (SPEC §4). Start-up must stay lean (`status --json` within 1.4× a
 * bare `node -e 0`), so this file imports only the parser and the command table; each command
 * module is imported when it runs. This is the only place that chooses the exit code and
 * calls process.exit.
 */
import { writeSync } from "node:fs";
import { UpkeepError, errnoOf } from "../core/errors.js";
import { parseArgv } from "./args.js";
import { COMMANDS } from "./command-table.js";
import type { CliIo, OutStream } from "./io.js";

/**
 * stdout or stderr written with writeSync on the descriptor. Merely touching process.stdout
 * builds a stream object (~4 ms of start-up, measured), and a CLI writes its output whole
 * anyway. A non-blocking descriptor that fills up (EAGAIN) hands over, for good so that
 * order is kept, to the process stream, which queues; a reader that went away (EPIPE) ends
 * the process quietly: `upkeep logs -f | head` is not an error.
 */
function createFdStream(fd: 1 | 2, stream: () => NodeJS.WriteStream): OutStream {
  let handedOver = false;
  return {
    write(chunk: string | Uint8Array): boolean {
      if (handedOver) return stream().write(chunk);
      let data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      while (data.length > 0) {
        try {
          data = data.subarray(writeSync(fd, data));
        } catch (err) {
          const code = errnoOf(err);
          if (code === "EPIPE") process.exit(0);
          if (code !== "EAGAIN") throw err;
          handedOver = true;
          used.add(stream());
          return stream().write(data);
        }
      }
      return true;
    },
    // A getter: only the table renderers ask, and only they pay for the stream object.
    get isTTY(): boolean {
      return stream().isTTY === true;
    },
  };
}

/** Process streams that were handed output, to flush before exit. */
const used = new Set<NodeJS.WriteStream>();
const watched = new WeakSet<NodeJS.WriteStream>();

/** The process stream, with a closed reader (EPIPE) ending the process quietly, as above. */
function watchedForEpipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!watched.has(stream)) {
    watched.add(stream);
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(0);
      throw err;
    });
  }
  return stream;
}

/** The real surroundings: stdout, stderr, env, cwd, and Ctrl-C turned into an abort signal. */
function createProcessIo(): CliIo {
  let controller: AbortController | undefined;
  return {
    stdout: createFdStream(1, () => watchedForEpipe(process.stdout)),
    stderr: createFdStream(2, () => watchedForEpipe(process.stderr)),
    env: process.env,
    cwd: process.cwd(),
    interruptSignal(): AbortSignal {
      if (!controller) {
        const created = new AbortController();
        // once: a second Ctrl-C takes the default path and ends the process at once.
        process.once("SIGINT", () => created.abort());
        process.once("SIGTERM", () => created.abort());
        controller = created;
      }
      return controller.signal;
    },
  };
}

/** Prints an error the way every command does: message, listed problems, hint. */
function reportError(err: unknown, io: CliIo): number {
  if (err instanceof UpkeepError) {
    const problems = err.details.problems;
    let text = `upkeep: ${err.message}\n`;
    if (Array.isArray(problems)) for (const line of problems) text += `${String(line)}\n`;
    if (err.hint) text += `  hint: ${err.hint}\n`;
    io.stderr.write(text);
    return err.exitCode;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr.write(
    `upkeep: internal error: ${detail}\n  hint: this is a bug in upkeep; please report it with the command you ran.\n`,
  );
  return 1;
}

/** Parses argv, runs the command, and returns the exit code. */
async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseArgv(argv, COMMANDS);
    switch (parsed.kind) {
      case "version": {
        const { readVersion } = await import("../core/version.js");
        io.stdout.write(`upkeep ${readVersion()}\n`);
        return 0;
      }
      case "help": {
        const { renderHelp } = await import("./help.js");
        (parsed.missing ? io.stderr : io.stdout).write(renderHelp(COMMANDS, parsed.topic));
        return parsed.missing ? 2 : 0;
      }
      case "run": {
        const module = await parsed.command.spec.load();
        return await module.run(parsed.command, io);
      }
    }
  } catch (err) {
    if (err instanceof UpkeepError && err.details.command === "check") return reportCheckUnknown(err, io);
    return reportError(err, io);
  }
}

/**
 * Bad arguments to `check` in the monitoring-plugin convention (SPEC §4): UNKNOWN, exit 3, on
 * stdout, since a monitoring system reads exit 2 as CRITICAL and shows only the first line.
 */
function reportCheckUnknown(err: UpkeepError, io: CliIo): number {
  io.stdout.write(`UPKEEP UNKNOWN - ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`);
  return 3;
}

/** Resolves once everything written so far has reached the kernel, so exit truncates nothing. */
function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

const code = await runCli(process.argv.slice(2), createProcessIo());
await Promise.all([...used].map(flush));
process.exit(code);
