import { createHash } from "node:crypto";

/** The digest a loaded config carries: sha256 of its text (its own module: no YAML parser with it). */
export function configDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
