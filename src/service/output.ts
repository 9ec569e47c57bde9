/**
 * Where a service's output goes (implemented by logs/ServiceLog). The runner only needs these
 * four operations, so the service layer does not depend on how logs are stored.
 */
export interface ServiceOutput {
  /** File descriptors to pass as the child's stdout and stderr. */
  childStdio(): { out: number; err: number };
  /** Close the daemon's copies of those descriptors, right after the spawn. */
  releaseChildStdio(): void;
  /** A lifecycle marker between the lines ("started PID 12", "exited with code 1"). */
  marker(text: string): void;
  /** Read everything already written, so markers land after the last output line. */
  drainNow(): void;
}
