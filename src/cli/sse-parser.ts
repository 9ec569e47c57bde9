/**
 * Reads a text/event-stream (server-sent events) as it arrives: each event's `data:` lines,
 * joined, handed on once the blank line that ends the event has come. Comment lines
 * (`: keep-alive`) and other fields are skipped.
 */

/** Returns a function to feed text chunks; `onData` gets each complete event's data. */
export function createSseParser(onData: (data: string) => void): (text: string) => void {
  let buffer = "";
  return (text: string) => {
    buffer += text;
    for (;;) {
      const match = /\r?\n\r?\n/.exec(buffer);
      if (!match) return;
      const block = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line === "data" || line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) onData(data.join("\n"));
    }
  };
}
