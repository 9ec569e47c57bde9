/** The dashboard: the check verdict, every service live, and one service's detail. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { CheckBanner } from "./check-banner";
import { runAction, type Toast } from "./actions";
import { ForceDialog } from "./force-dialog";
import { ServiceDetail } from "./service-detail";
import { ServiceTable, type SortKey } from "./service-table";
import { StatusStore } from "./status-store";
import { useSelected, useStoreVersion } from "./use-store";
import type { ServiceStatusJson } from "./wire";

export function Dashboard({ onLoggedOut }: { onLoggedOut: () => void }) {
  const store = useMemo(() => new StatusStore(), []);
  useEffect(() => {
    store.connect();
    return () => store.close();
  }, [store]);
  const version = useStoreVersion(store);
  const { model } = store;
  useEffect(() => {
    if (model.connection === "logged-out") onLoggedOut();
  }, [model.connection]);

  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<{ key: SortKey; down: boolean }>({ key: "name", down: false });
  const [selected, select] = useSelected();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [forcing, setForcing] = useState<ServiceStatusJson | null>(null);

  const act = (name: string, action: string, force = false): void => {
    void runAction(name, action, force).then((toast) => {
      setToasts((list) => [...list.slice(-4), toast]);
      setTimeout(() => setToasts((list) => list.filter((t) => t !== toast)), toast.ok ? 5000 : 15000);
    });
  };

  // Services in a state that changes the verdict: the check is asked again when they change.
  const signature = useMemo(
    () =>
      [...model.services.values()].map((s) => `${s.name}:${s.state}:${s.pid}:${s.health?.failing}`).join(","),
    [version],
  );
  const service = selected === null ? undefined : model.services.get(selected);
  const daemon = model.daemon;
  return (
    <div class={`layout${service ? " with-detail" : ""}`}>
      <header class="top">
        <h1>upkeep</h1>
        <span class="muted">
          {daemon
            ? `daemon PID ${daemon.pid} · ${model.services.size} services · ${daemon.config_file}`
            : "…"}
        </span>
        <span class={`conn conn-${model.connection}`} title="live updates">
          {model.connection === "live" ? "live" : model.connection}
        </span>
      </header>
      <CheckBanner signature={signature} />
      <main class="services">
        <div class="toolbar">
          <input
            type="search"
            placeholder="Filter: name, state or reason"
            aria-label="filter services"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </div>
        <ServiceTable
          model={model}
          version={version}
          filter={filter}
          sort={sort}
          onSort={(key) => setSort((s) => ({ key, down: s.key === key ? !s.down : false }))}
          selected={selected}
          onSelect={select}
        />
      </main>
      {service && (
        <ServiceDetail
          key={service.name}
          service={service}
          onClose={() => select(null)}
          onAction={(action) => act(service.name, action)}
          onForce={() => setForcing(service)}
        />
      )}
      {selected !== null && !service && model.connection === "live" && (
        <aside class="detail">
          <p>No service named {selected}.</p>
          <button onClick={() => select(null)}>Close</button>
        </aside>
      )}
      {forcing && (
        <ForceDialog
          service={model.services.get(forcing.name) ?? forcing}
          onCancel={() => setForcing(null)}
          onConfirm={() => {
            act(forcing.name, "start", true);
            setForcing(null);
          }}
        />
      )}
      <div class="toasts" role="status" aria-live="polite">
        {toasts.map((t, i) => (
          <div key={i} class={`toast ${t.ok ? "ok" : "bad"}`}>
            <strong>{t.title}</strong>
            <div>{t.message}</div>
            {t.hint && <div class="hint">{t.hint}</div>}
          </div>
        ))}
      </div>
    </div>
  );
}
