/**
 * Checks a captured log line-exact against "1\n2\n…N\n": every number once, in order, nothing
 * else. Streams the file in 4 MiB chunks, so 200 MB never sit in memory (or in a string) at once.
 */
import { createReadStream } from "node:fs";

/** Resolves when the file is exactly "1\n…N\n"; rejects naming the first line that differs. */
export async function verifyNumberedLines(file: string, n: number): Promise<void> {
  let expected = 1;
  let value = 0;
  let digits = 0;
  let line = 1;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length; i++) {
      const byte = buf[i]!;
      if (byte === 10) {
        if (digits === 0 || value !== expected) {
          throw new Error(`${file}: line ${line} is ${digits === 0 ? "empty" : value}, expected ${expected}`);
        }
        expected++;
        line++;
        value = 0;
        digits = 0;
      } else if (byte >= 48 && byte <= 57 && digits < 15) {
        value = value * 10 + (byte - 48);
        digits++;
      } else {
        throw new Error(`${file}: line ${line} holds an unexpected byte 0x${byte.toString(16)}`);
      }
    }
  }
  if (digits !== 0) throw new Error(`${file}: the last line (${line}) has no newline`);
  if (expected !== n + 1) throw new Error(`${file}: ${expected - 1} lines, expected ${n}`);
}
