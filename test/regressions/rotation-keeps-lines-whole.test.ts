/**
 * Never again: size rotation that cuts a line in two. In a 210 MB capture of 61-byte lines,
 * 2 of 3 rotated files ended mid-line: `upkeep logs` joined them again, but `tail`, `grep` and
 * log shippers, which read the files, saw 4 malformed lines. Every file of a generation now ends
 * at a line end (a line longer than max_size is the one exception, src/logs/rotate.test.ts).
 * Checked with the splice path (the addon) and the read path (UPKEEP_NATIVE=0).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

const LINES = 100_000;
const LINE_BYTES = 61; // `seq -f %060g`: 60 digits and a newline, written by stdio in 4 KiB blocks
const MAX_SIZE = 50 * 1024;
const KEEP = 200;

for (const path of ["splice", "read"] as const) {
  test(`with the ${path} path, every rotated file ends with a newline and holds whole lines only`, () =>
    withTestEnv(async (env) => {
      env.writeConfig(
        [
          "services:",
          "  lines:",
          `    command: [seq, -f, "%060g", "1", "${LINES}"]`,
          '    restart: "no"',
          `    logs: { max_size: ${MAX_SIZE}, keep: ${KEEP} }`,
          "",
        ].join("\n"),
      );
      const saved = process.env["UPKEEP_NATIVE"];
      if (path === "read") process.env["UPKEEP_NATIVE"] = "0";
      try {
        await env.startDaemon();
      } finally {
        if (saved === undefined) delete process.env["UPKEEP_NATIVE"];
        else process.env["UPKEEP_NATIVE"] = saved;
      }
      const logs = join(env.stateDir, "logs");
      const file = (generation: number): string =>
        join(logs, generation === 0 ? "lines.out.log" : `lines.out.log.${generation}`);
      const generations = (): number[] => {
        const found: number[] = [];
        for (let g = 0; existsSync(file(g)); g++) found.push(g);
        return found;
      };
      await waitFor(
        () => generations().reduce((sum, g) => sum + statSync(file(g)).size, 0) === LINES * LINE_BYTES,
        { what: "every line to be captured", timeout: 60_000 },
      );
      const all = generations();
      assert.ok(all.length > 50, `the output was rotated many times (${all.length} files)`);
      let expected = 1;
      for (const g of all.reverse()) {
        const text = readFileSync(file(g), "latin1");
        assert.ok(text.endsWith("\n"), `${file(g)} ends with a newline`);
        // Past max_size only by the rest of the line it ends with.
        assert.ok(text.length < MAX_SIZE + LINE_BYTES, `${file(g)}: ${text.length} bytes`);
        for (const line of text.slice(0, -1).split("\n")) {
          assert.equal(line, String(expected).padStart(60, "0"), `${file(g)}: line ${expected} is whole`);
          expected++;
        }
      }
      assert.equal(expected, LINES + 1, "every line once, in order");
    }));
}
