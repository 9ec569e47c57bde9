import { useCallback, useEffect, useState } from "preact/hooks";
import type { StatusStore } from "./status-store";

/** Re-renders the component whenever the store changed (at most once per frame). */
export function useStoreVersion(store: StatusStore): number {
  const [version, setVersion] = useState(store.model.version);
  useEffect(() => store.subscribe(() => setVersion(store.model.version)), [store]);
  return version;
}

/** A clock for counting uptimes on, ticking every `ms`. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** The service named in the address (`#s=NAME`), so that back and reload keep it. */
export function useSelected(): [string | null, (name: string | null) => void] {
  const read = (): string | null => {
    const match = /^#s=(.+)$/.exec(location.hash);
    return match ? decodeURIComponent(match[1]!) : null;
  };
  const [selected, setSelected] = useState(read);
  useEffect(() => {
    const onHash = (): void => setSelected(read());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  // Stable, so that memoised rows taking it are not re-rendered for it.
  const select = useCallback((name: string | null): void => {
    if (name === null) history.pushState(null, "", location.pathname);
    else location.hash = `s=${encodeURIComponent(name)}`;
    setSelected(name);
  }, []);
  return [selected, select];
}
