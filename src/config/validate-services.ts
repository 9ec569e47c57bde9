/**
 * `services`: every declared service, in order, with instanced ones replaced by their
 * instances at the place of the declaration; then the dependency cycles over all of them.
 */
import type { ConfigNote, ConfigProblem, ServiceConfig } from "./model.js";
import type { Field, ProblemSink, Where } from "./problem-sink.js";
import { findKey, readEntries } from "./read-map.js";
import { isNullValue } from "./read-scalars.js";
import { reportCycles } from "./dependency-cycles.js";
import { findPlaceholders, instantiate, readInstances } from "./instances.js";
import type { DependencyEdge, KnownNames } from "./validate-deps.js";
import { checkName, readService, type ServiceContext, type ServiceRead } from "./validate-service.js";

/** A declared service and its instances: null when it has none, undefined when they are unreadable. */
interface Declared {
  entry: Field;
  instances: string[] | null | undefined;
}

function knownNames(declared: Declared[]): KnownNames {
  const names: KnownNames = { declared: new Map(), finals: new Set() };
  for (const { entry, instances } of declared) {
    const finals = instances === null ? [entry.key] : instances?.map((i) => `${entry.key}@${i}`);
    names.declared.set(entry.key, finals ?? null);
    for (const name of finals ?? []) names.finals.add(name);
  }
  return names;
}

const keyOf = (item: ConfigProblem | ConfigNote): string => JSON.stringify(item);
/** Where a problem is and what kind: the same mistake in every instance, whatever its value. */
const placeOf = (p: ConfigProblem): string => JSON.stringify([p.file, p.line, p.column, p.keyPath, p.code]);

/**
 * Merge the problems and notes of each instance's own sink: one that every instance reported
 * alike is told once; one that every instance reported at the same place with its own value
 * (a template that makes no port in any instance) is told once with each value; the others
 * name their instance.
 */
function mergeInstances(sink: ProblemSink, reads: { label: string; sink: ProblemSink }[]): void {
  const count = new Map<string, number>();
  for (const read of reads)
    for (const key of new Set([...read.sink.problems, ...read.sink.notes].map(keyOf)))
      count.set(key, (count.get(key) ?? 0) + 1);
  const places = new Map<string, ConfigProblem[]>();
  for (const read of reads)
    for (const problem of read.sink.problems) {
      const first = read.sink.problems.find((p) => placeOf(p) === placeOf(problem));
      if (first === problem) places.set(placeOf(problem), [...(places.get(placeOf(problem)) ?? []), problem]);
    }
  const told = new Set<string>();
  for (const read of reads) {
    const tell = <T extends ConfigProblem | ConfigNote>(item: T, to: T[]): void => {
      const key = keyOf(item);
      if (told.has(key)) return;
      told.add(key);
      if ((count.get(key) ?? 0) >= reads.length) return void to.push(item);
      to.push({ ...item, message: `${item.message} (in instance ${read.label})` });
    };
    for (const problem of read.sink.problems) {
      const alike = places.get(placeOf(problem)) ?? [];
      if (alike.length < reads.length || (count.get(keyOf(problem)) ?? 0) >= reads.length) {
        tell(problem, sink.problems);
        continue;
      }
      if (told.has(placeOf(problem))) continue;
      told.add(placeOf(problem));
      const values = [...new Set(alike.map((p) => p.got).filter((g): g is string => g !== undefined))];
      const { got: _got, ...rest } = problem;
      sink.problems.push({
        ...rest,
        message: `${problem.message} (in every instance; got ${values.join(", ")})`,
      });
    }
    for (const note of read.sink.notes) tell(note, sink.notes);
  }
}

/**
 * A service without usable instances: `{instance}` in it is a problem when it has no
 * `instances` at all; problems at those strings are left to that one.
 */
function readPlain(
  sink: ProblemSink,
  entry: Field,
  context: ServiceContext,
  tellPlaceholders: boolean,
): ServiceRead | undefined {
  const placeholders = findPlaceholders(sink, entry);
  if (placeholders.length === 0) return readService(sink, entry, context);
  const at = (where: Where): string => `${where.line}:${where.column}`;
  const positions = new Set(placeholders.map((p) => at(p.where)));
  for (const { where, path, text } of tellPlaceholders ? placeholders : []) {
    const message = `{instance} is only replaced in a service with instances`;
    sink.problem(
      "CONFIG_BAD_VALUE",
      where,
      path,
      message,
      "instances: [a, b] in this service, or no {instance}",
      JSON.stringify(text),
    );
  }
  const own = sink.fork();
  const read = readService(own, entry, context);
  sink.problems.push(...own.problems.filter((p) => p.file !== sink.file || !positions.has(at(p))));
  sink.notes.push(...own.notes);
  return read;
}

/** Validate every service; instanced ones become `name@instance`, in declaration order. */
export function readServices(
  sink: ProblemSink,
  field: Field | undefined,
  baseDir: string,
  hostChecks = false,
): ServiceConfig[] {
  if (field === undefined || isNullValue(field)) {
    sink.note(field?.where ?? { line: 1, column: 1 }, "services", "no services are declared");
    return [];
  }
  const entries = readEntries(sink, field, "a map of service names to service settings") ?? [];
  const declared: Declared[] = entries.map((entry) => {
    checkName(sink, entry);
    const instancesField = findKey(sink, entry, "instances");
    return { entry, instances: instancesField === undefined ? null : readInstances(sink, instancesField) };
  });
  const names = knownNames(declared);
  const services: ServiceConfig[] = [];
  const edges: DependencyEdge[] = [];
  for (const { entry, instances } of declared) {
    if (instances === null || instances === undefined) {
      const read = readPlain(sink, entry, { baseDir, names, hostChecks }, instances === null);
      // A service whose instances cannot be read is not one service either.
      if (read !== undefined && instances === null) {
        services.push(read.service);
        edges.push(...read.edges);
      }
      continue;
    }
    const reads = instances.map((name) => {
      const own = sink.fork();
      const value = instantiate(sink, entry.value, name);
      const read = readService(
        own,
        { ...entry, value },
        { baseDir, names, hostChecks, instance: { of: entry.key, name } },
      );
      if (read !== undefined) {
        services.push(read.service);
        edges.push(...read.edges);
      }
      return { label: `${entry.key}@${name}`, sink: own };
    });
    mergeInstances(sink, reads);
  }
  reportCycles(
    sink,
    services.map((s) => s.name),
    edges,
  );
  return services;
}
