import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * This host's id, stamped on every record of the state store: /etc/machine-id when present
 * (stable across renames of the host), else the host name. A host name change must not hide
 * the records of processes that are still running.
 */
export function readHostId(): string {
  try {
    const id = readFileSync("/etc/machine-id", "utf8").trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  } catch (err) {
    // No machine id on this system (some containers): the host name is the next best name.
    void err;
  }
  return hostname();
}
