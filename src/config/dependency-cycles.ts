/**
 * Dependency cycles over `after` (which includes `requires`): services that would each wait
 * for the other never start. Each cycle is reported once, at the entry that closes it.
 */
import type { ProblemSink } from "./problem-sink.js";
import type { DependencyEdge } from "./validate-deps.js";

/**
 * Depth-first search from each service in declaration order: an edge back to a service still
 * on the path closes a cycle (every cycle of the graph holds at least one such edge, and each
 * such edge is met once), so nothing is reported twice.
 */
export function reportCycles(
  sink: ProblemSink,
  order: readonly string[],
  edges: readonly DependencyEdge[],
): void {
  const out = new Map<string, DependencyEdge[]>();
  for (const edge of edges) out.set(edge.from, [...(out.get(edge.from) ?? []), edge]);
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();

  // Instances are one declaration: a cycle through web@a and through web@b is one mistake, and a
  // cycle among one service's own instances is its "cannot wait for itself" problem, told already.
  const declaredOf = (name: string): string => name.split("@")[0] ?? name;
  const told = new Set<string>();
  const visit = (name: string): void => {
    path.push(name);
    onPath.add(name);
    for (const edge of out.get(name) ?? []) {
      if (onPath.has(edge.to)) {
        const nodes = [...path.slice(path.indexOf(edge.to)), edge.to];
        const declared = nodes.map(declaredOf).filter((n, i, all) => i === 0 || n !== all[i - 1]);
        const signature = [...new Set(declared)].sort().join(" ");
        if (new Set(declared).size === 1) continue;
        if (told.has(signature)) continue;
        told.add(signature);
        const instanced = nodes.some((n) => n.includes("@")) ? " (counting every instance)" : "";
        const expected =
          "services that do not wait for each other: remove one after or requires entry of the cycle";
        const message = `dependency cycle: ${declared.join(" → ")}${instanced}`;
        sink.problem("CONFIG_BAD_VALUE", edge.where, edge.path, message, expected);
      } else if (!done.has(edge.to)) {
        visit(edge.to);
      }
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
  };
  for (const name of order) if (!done.has(name)) visit(name);
}
