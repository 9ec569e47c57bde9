/**
 * The daemon's own environment as a plain object: what every service inherits (service-env.ts
 * filters it). Copied once and kept, because each read of process.env goes through getenv(3)
 * and spreading it cost ~50 µs per spawn, a twentieth of a restart. Whatever changes the
 * daemon's environment goes through setDaemonVariable / deleteDaemonVariable, and the next spawn
 * copies it anew: a copy kept past a change would hand services a variable the daemon has taken
 * away (a secret named by a reload's `secret_env`).
 */
let copy: Readonly<Record<string, string | undefined>> | null = null;

export function daemonEnv(): Readonly<Record<string, string | undefined>> {
  copy ??= Object.freeze({ ...process.env });
  return copy;
}

/** Sets a variable of the daemon's environment (and of what services inherit from now on). */
export function setDaemonVariable(name: string, value: string): void {
  process.env[name] = value;
  copy = null;
}

/** Takes a variable out of the daemon's environment (and out of what services inherit). */
export function deleteDaemonVariable(name: string): void {
  delete process.env[name];
  copy = null;
}

/** NAME=value lines of an environment, as execve(2) takes them (unset names left out). */
export function environmentLines(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
}
