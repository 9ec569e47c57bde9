/**
 * Reads a text/event-stream (server-sent events) as it arrives: each event's `data:` lines,
 * joined, handed on once the blank line that ends the event has come, with its `event:` type
 * ("message" when absent) and its `id:` (null when absent). Comment lines (`: keep-alive`) and
 * other fields are skipped.
 */

/** The fields of one event besides its data. */
export interface SseFields {
  event: string;
  id: string | null;
}

/** Returns a function to feed text chunks; `onData` gets each complete event's data. */
export function createSseParser(onData: (data: string, fields: SseFields) => void): (text: string) => void {
  let buffer = "";
  return (text: string) => {
    buffer += text;
    for (;;) {
      const match = /\r?\n\r?\n/.exec(buffer);
      if (!match) return;
      const block = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      const data: string[] = [];
      const fields: SseFields = { event: "message", id: null };
      for (const line of block.split(/\r?\n/)) {
        const colon = line.indexOf(":");
        const name = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (name === "data") data.push(value);
        else if (name === "event" && value !== "") fields.event = value;
        else if (name === "id" && !value.includes("\0")) fields.id = value;
      }
      if (data.length > 0) onData(data.join("\n"), fields);
    }
  };
}
