/** The API's JSON shapes, from the daemon's own declarations (types only: nothing is bundled). */
export type {
  ActionResponseJson,
  DaemonStatusJson,
  EventJson,
  ProcessJson,
  ServiceStatusJson,
  ServiceTreeJson,
  StatusJson,
} from "../../src/api/wire.js";
export type { CheckReport, CheckProblem } from "../../src/check/report.js";
