/** The service's process tree with listening sockets (`upkeep ps`), read again when its PID or state changes. */
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api";
import type { ProcessJson, ServiceTreeJson } from "./wire";

export function ProcessTree({ name, pid, state }: { name: string; pid: number | null; state: string }) {
  const [tree, setTree] = useState<ServiceTreeJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    getJson<ServiceTreeJson>(`/api/v1/services/${encodeURIComponent(name)}/tree`).then(
      (t) => !stale && (setTree(t), setError(null)),
      (err: unknown) => !stale && setError(String(err)),
    );
    return () => {
      stale = true;
    };
  }, [name, pid, state]);
  if (error) return <p class="bad">{error}</p>;
  if (!tree) return <p class="muted">reading /proc…</p>;
  if (tree.processes.length === 0) return <p class="muted">No process runs.</p>;
  return (
    <ul class="tree">
      {tree.processes.map((p) => (
        <Node key={p.pid} p={p} />
      ))}
    </ul>
  );
}

function Node({ p }: { p: ProcessJson }) {
  return (
    <li>
      <span class="pid">{p.pid}</span> <strong>{p.name}</strong> <span class="muted">{p.state}</span>{" "}
      <code>{p.cmdline.join(" ")}</code>
      {p.listening.length > 0 && (
        <div class="sockets">
          listens:{" "}
          {p.listening
            .map((l) => (l.protocol === "unix" ? `unix ${l.path}` : `${l.protocol} ${l.address}:${l.port}`))
            .join(" · ")}
        </div>
      )}
      {p.children.length > 0 && (
        <ul>
          {p.children.map((c) => (
            <Node key={c.pid} p={c} />
          ))}
        </ul>
      )}
    </li>
  );
}
