import type { TestEnv } from "./daemon.js";
import { freePorts } from "./ports.js";

/**
 * A `web` service (the health-server fixture) with a readiness and a health probe on its
 * /healthz, started and then turned unhealthy: after SIGUSR1 it stays alive but answers 503.
 * Returns the PID of the process that was turned, and the port of its probes.
 */
export async function startWebTurningUnhealthy(env: TestEnv): Promise<{ pid: number; port: number }> {
  const [port = 0] = await freePorts(1);
  env.writeConfig(`
services:
  web:
    command: ["{fixtures}/health-server", "${port}", "{marker}"]
    ready: { http: "http://127.0.0.1:${port}/healthz", interval: 100ms }
    health: { http: "http://127.0.0.1:${port}/healthz", interval: 200ms, timeout: 1s, failures: 2 }
`);
  await env.startDaemon();
  const first = (await env.waitForService("web", "running", "web running")) as { pid: number };
  process.kill(first.pid, "SIGUSR1"); // alive, but /healthz now answers 503
  return { pid: first.pid, port };
}
