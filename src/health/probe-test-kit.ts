/**
 * Shared by the probe tests (not used by upkeep itself).
 */
import assert from "node:assert/strict";
import type { ProbeResult } from "./probe.js";

/** Asserts the verdict and its detail (exact text, or a pattern), and a sane duration. */
export function expectResult(result: ProbeResult, ok: boolean, detail: string | RegExp): void {
  assert.equal(result.ok, ok, result.detail);
  if (typeof detail === "string") assert.equal(result.detail, detail);
  else assert.match(result.detail, detail);
  assert.ok(Number.isInteger(result.ms) && result.ms >= 0);
}
