import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/**
 * Read a small text file a user named (a config, an env_file) without ever blocking on it:
 * opened non-blocking, so a FIFO does not wait for a writer, and refused unless it is a
 * regular file of at most `maxBytes` (`/dev/zero` would otherwise be read until memory ran
 * out, a FIFO would stop the daemon's event loop for good). Throws the fs error, or an Error
 * saying what the path is instead.
 */
export function readRegularFile(path: string, maxBytes = 4 << 20): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`not a regular file (${describeKind(stat)})`);
    if (stat.size > maxBytes) throw new Error(`larger than ${maxBytes} bytes (${stat.size})`);
    // Read to the end rather than trust the size: a file may grow between fstat and read.
    const chunks: Buffer[] = [];
    const chunk = Buffer.alloc(64 * 1024);
    let total = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function describeKind(stat: Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}
