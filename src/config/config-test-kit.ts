/**
 * Loading config text for the config tests (used by *.test.ts only; nothing in upkeep imports
 * it): the text is written as upkeep.yaml in a fresh temp dir removed after the test, and
 * problems and notes are shown as one line each, `LINE:COL KEY.PATH: MESSAGE`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { loadConfig, type LoadResult } from "./load.js";
import type { Config, ServiceConfig } from "./model.js";

/** Write `yaml` as upkeep.yaml in a fresh temp dir and load it. */
export function loadYaml(t: TestContext, yaml: string): LoadResult & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-config-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "upkeep.yaml");
  writeFileSync(file, yaml);
  return { ...loadConfig(file), dir };
}

/** The problems as `LINE:COL KEY.PATH: MESSAGE` lines, in file order. */
export function problemLines(result: LoadResult): string[] {
  return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} ${p.keyPath}: ${p.message}`);
}

/** The notes as `LINE:COL KEY.PATH: MESSAGE` lines. */
export function noteLines(result: LoadResult): string[] {
  return result.notes.map((n) => `${n.line}:${n.column} ${n.keyPath}: ${n.message}`);
}

/** The config of a file that must be valid. */
export function validConfig(result: LoadResult): Config {
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems, null, 2));
  return result.config;
}

/** One service of a file that must be valid. */
export function serviceOf(result: LoadResult, name: string): ServiceConfig {
  const service = validConfig(result).services.find((s) => s.name === name);
  assert.ok(service, `no service ${name}`);
  return service;
}

/** A `services:` document from service sections written as indented YAML lines. */
export function services(body: Record<string, string[]>): string {
  const lines = ["services:"];
  for (const [name, keys] of Object.entries(body)) lines.push(`  ${name}:`, ...keys.map((k) => `    ${k}`));
  return `${lines.join("\n")}\n`;
}
