/** The API's JSON shapes, from the daemon's own declarations (types only: nothing is bundled). */
export type {
  ActionResponseJson,
  DaemonStatusJson,
  EventJson,
  HostProcessJson,
  HostSnapshotJson,
  IncidentJson,
  IncidentSampleJson,
  IncidentSummaryJson,
  ProcessJson,
  ServiceStatusJson,
  ServiceTreeJson,
  StatusJson,
} from "../../src/api/wire.js";
export type { CheckReport, CheckProblem } from "../../src/check/report.js";
