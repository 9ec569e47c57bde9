import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseNotifyText } from "./notify-socket.js";

// A notify datagram is whatever a service (or any process that can reach the socket) sends:
// any text parses without throwing into KEY=VALUE fields, and fields written the protocol's
// way are read back, the last of a repeated key winning.
test("any datagram text parses into fields without throwing", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" })),
      (text) => {
        const fields = parseNotifyText(text);
        for (const [key, value] of fields) {
          assert.ok(key.length > 0 && !key.includes("\n") && !key.includes("="));
          assert.ok(!value.includes("\n"));
        }
      },
    ),
    { numRuns: 3000 },
  );
});

test("KEY=VALUE lines are read back, a repeated key keeping its last value", () => {
  const key = fc.oneof(
    fc.constantFrom("READY", "STATUS", "MAINPID", "ERRNO", "__proto__", "constructor"),
    fc.stringMatching(/^[A-Z_]{1,10}$/),
  );
  const value = fc.string({ maxLength: 20 }).filter((v) => !v.includes("\n"));
  fc.assert(
    fc.property(fc.array(fc.tuple(key, value), { maxLength: 8 }), (pairs) => {
      const fields = parseNotifyText(pairs.map(([k, v]) => `${k}=${v}`).join("\n"));
      assert.deepEqual(fields, new Map(pairs));
    }),
    { numRuns: 2000 },
  );
});
