/**
 * A built-in module loaded at its first use instead of at start-up. https (which loads tls) and
 * zlib were ≈5 ms of a daemon's start that only an https probe, the dashboard or a compressed
 * status stream needs. A built-in never goes missing, so loading it late cannot fail as a
 * late import of one of upkeep's own files could after an upgrade.
 */
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(name) as T);
}
