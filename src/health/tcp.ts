/**
 * The tcp probe: a connect to host:port succeeds within the timeout. The connection is closed
 * at once (destroy: no data is sent, the peer sees a reset or an empty connection).
 */
import { connect } from "node:net";
import type { ProbeSpec } from "../config/model.js";
import { describeError, runBounded, type ProbeContext, type ProbeOutcome } from "./probe-outcome.js";

/** Tries one TCP connect; never rejects. */
export function probeTcp(
  spec: Extract<ProbeSpec, { kind: "tcp" }>,
  context: ProbeContext,
): Promise<ProbeOutcome> {
  const target = spec.host.includes(":") ? `[${spec.host}]:${spec.port}` : `${spec.host}:${spec.port}`;
  const subject = `connect ${target}`;
  return runBounded(context, subject, (finish) => {
    const socket = connect({ host: spec.host, port: spec.port });
    socket.once("connect", () => finish({ ok: true, detail: `${subject}: connected` }));
    socket.once("error", (err) => finish({ ok: false, detail: `${subject}: ${describeError(err)}` }));
    return () => socket.destroy();
  });
}
