/**
 * Expected failures without stack traces. Node builds an error's stack at the throw, walking
 * every frame; for a call whose failure is an everyday answer (ENOENT from /proc/PID/stat of
 * a process that is gone, ESRCH from kill(-pgid, 0) of a group that is gone) that walk cost
 * more than the system call itself, several times per restart.
 */

/** Runs `fn` with stack capture off; errors it throws carry no stack (their message and code stay). */
export function withoutStacks<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
