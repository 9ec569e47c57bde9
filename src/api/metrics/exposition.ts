/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: it is a few lines of
 * rules, and a client library would bring a registry of global state the daemon does not need.
 * Every family gets its HELP and TYPE lines once, before its samples, and all samples of a
 * family stay together (promtool and the textfile collector reject a family split in two).
 */

/** The content type Prometheus expects for this format. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge" | "untyped";
export type Labels = Readonly<Record<string, string>>;

/** A label value in the format's escaping: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : "\\n"));
}

/** HELP text in the format's escaping: backslash and newline (quotes stay as they are). */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\\" ? "\\\\" : "\\n"));
}

/** A sample value: integers as digits, the rest as JavaScript prints them, and the format's words. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Collects families and renders them in the order they were begun. */
export class Exposition {
  private readonly parts: string[] = [];
  private readonly begun = new Set<string>();
  private current: string | null = null;

  /** Starts a family; its samples follow with sample(). A name is begun at most once. */
  family(name: string, type: MetricType, help: string): this {
    if (!NAME.test(name)) throw new Error(`metric name '${name}' is not valid`);
    if (this.begun.has(name)) throw new Error(`metric family ${name} was begun twice`);
    this.begun.add(name);
    this.current = name;
    this.parts.push(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`);
    return this;
  }

  /** One sample of the family begun last. */
  sample(labels: Labels, value: number): this {
    return this.sampleLabelled(renderLabels(labels), value);
  }

  /**
   * One sample with its labels rendered already (renderLabels): a scrape of 1000 services
   * writes ~20 000 samples, and escaping each service's name once instead of per sample
   * halves the rendering (docs/benchmarks.md, "metrics scrape, 1000 services").
   */
  sampleLabelled(labelText: string, value: number): this {
    const name = this.current;
    if (name === null) throw new Error("sample() before family()");
    this.parts.push(`${name}${labelText} ${formatValue(value)}\n`);
    return this;
  }

  /** A family with a single sample: begun and written at once. */
  single(name: string, type: MetricType, help: string, value: number, labels: Labels = {}): this {
    return this.family(name, type, help).sample(labels, value);
  }

  render(): string {
    return this.parts.join("");
  }
}

/** `{a="x",b="y"}` with names checked and values escaped; "" for no labels. */
export function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  const pairs = keys.map((key) => {
    if (!LABEL_NAME.test(key) || key.startsWith("__")) throw new Error(`label name '${key}' is not valid`);
    return `${key}="${escapeLabelValue(labels[key]!)}"`;
  });
  return `{${pairs.join(",")}}`;
}
