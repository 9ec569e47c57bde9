/**
 * GET /metrics and GET /api/v1/metrics: the Prometheus text exposition of the daemon and its
 * services (docs/metrics.md). The same text `upkeep metrics` prints for node_exporter's
 * textfile collector.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiContext } from "../app.js";
import { sendText } from "../http-io.js";
import { renderMetrics } from "../metrics/collect-metrics.js";
import { EXPOSITION_CONTENT_TYPE } from "../metrics/exposition.js";

export async function handleMetrics(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  sendText(res, 200, EXPOSITION_CONTENT_TYPE, await renderMetrics(ctx.supervisor));
}
