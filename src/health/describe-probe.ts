import type { ProbeSpec } from "../config/model.js";

/** A probe in a few words, for reasons and events: `tcp 127.0.0.1:5432`, `http http://…/healthz`. */
export function describeProbe(probe: ProbeSpec): string {
  switch (probe.kind) {
    case "tcp":
      return `tcp ${probe.host.includes(":") ? `[${probe.host}]` : probe.host}:${probe.port}`;
    case "http":
      return `http ${probe.url}${probe.body === null ? "" : ` (body /${probe.body}/)`}`;
    case "exec":
      return `exec ${JSON.stringify(probe.command)}`;
    case "log":
      return `log /${probe.pattern}/`;
    case "notify":
      return "notify (READY=1)";
    case "path":
      return `path ${probe.path}`;
    default: {
      const never: never = probe;
      return String(never);
    }
  }
}
