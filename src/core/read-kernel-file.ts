/**
 * Reading the small files of /proc and /sys/fs/cgroup, thousands of times a minute with many
 * services (trees, identities, samples, metrics). They report a size of 0 or 4096 whatever they
 * hold, so readFileSync probes and grows its buffer read by read; here one buffer, kept for
 * every read (the daemon has one thread), takes the file in one read: 7–16 µs for a
 * /proc/PID/stat against 19–34 µs. Errors are Node's own (ENOENT, ESRCH...), without a stack:
 * a process or cgroup that is gone is an everyday answer.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { withoutStacks } from "./without-stacks.js";

/** The shared buffer: valid until the next read. */
export const kernelFileBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads the file into kernelFileBuffer and returns how many bytes it holds. A file longer than
 * the buffer is cut at its size: only for files that cannot come near it (/proc/PID/stat);
 * readKernelText reads a longer one whole.
 */
export function readKernelFileInto(path: string): number {
  return readWhole(path, false).length;
}

/** The whole file as a buffer of its own, however long (a long environ or cmdline). */
export function readKernelFile(path: string): Buffer {
  const { buffer, length } = readWhole(path, true);
  return Buffer.from(buffer.subarray(0, length));
}

/** Reads until end of file into kernelFileBuffer, or into bigger copies of it when `grow`. */
function readWhole(path: string, grow: boolean): { buffer: Buffer; length: number } {
  return withoutStacks(() => {
    const fd = openSync(path, "r");
    try {
      let buffer = kernelFileBuffer;
      let length = 0;
      for (;;) {
        if (length === buffer.length) {
          if (!grow) break;
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, length);
          buffer = bigger;
        }
        const read = readSync(fd, buffer, length, buffer.length - length, null);
        if (read === 0) break;
        length += read;
      }
      return { buffer, length };
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * The whole file as latin1 text (what /proc and cgroup files hold but for names). A file that
 * fills the shared buffer is read again whole: cgroup.procs of a service with ten thousand
 * processes passes 64 KiB, and a list cut there would miss members and end in a cut PID.
 */
export function readKernelText(path: string): string {
  const length = readKernelFileInto(path);
  if (length === kernelFileBuffer.length) return readKernelFile(path).toString("latin1");
  return kernelFileBuffer.toString("latin1", 0, length);
}
