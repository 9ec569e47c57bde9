/** The eight service states of SPEC §3, as on the wire. */
export const SERVICE_STATES = [
  "stopped",
  "waiting",
  "starting",
  "running",
  "stopping",
  "backoff",
  "failed",
  "exited",
] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

/** Why a timer was armed; a service has at most one pending deadline. */
export const TIMER_PURPOSES = ["backoff", "stop_timeout", "retry_after"] as const;
export type TimerPurpose = (typeof TIMER_PURPOSES)[number];

/** Inputs to the state machine: a closed union, every one decided in every state. */
export type MachineEvent =
  | { type: "start_requested" }
  | { type: "stop_requested" }
  | { type: "restart_requested" }
  | { type: "reset_requested" }
  | { type: "spawned"; pid: number }
  /** `fatal`: trying again cannot help until an operator acts (a refused pidfile): failed at once. */
  | { type: "spawn_failed"; error: string; fatal?: boolean }
  /** `detail`: what showed readiness (a probe's answer, READY=1 from PID n). */
  | { type: "ready"; detail?: string }
  | { type: "exited"; code: number | null; signal: string | null; statusKnown: boolean }
  | { type: "timer_fired"; purpose: TimerPurpose }
  /** `tie`: what ties the process to the service, as the reason should say it. */
  | { type: "adopted"; pid: number; startedAt: number; tie?: string }
  /**
   * The running service failed what `health.restart_on` names (a declared child or port, its
   * health probe), or went over its `limits`.
   */
  | { type: "health_failed"; reason: string }
  /** The dependencies and the condition hold: the start that waited for them may go on. */
  | { type: "gate_open" }
  /** Still waiting: why (the reason is shown while the service is `waiting`). */
  | { type: "gate_blocked"; reason: string }
  /** The readiness probe did not pass within `ready.timeout`: a failed start. */
  | { type: "not_ready"; reason: string }
  /** A service this one `requires` failed or was stopped, and `on_required_failure: stop`. */
  | { type: "dependency_lost"; reason: string };
export type MachineEventType = MachineEvent["type"];
export const MACHINE_EVENT_TYPES: readonly MachineEventType[] = [
  "start_requested",
  "stop_requested",
  "restart_requested",
  "reset_requested",
  "spawned",
  "spawn_failed",
  "ready",
  "exited",
  "timer_fired",
  "adopted",
  "health_failed",
  "gate_open",
  "gate_blocked",
  "not_ready",
  "dependency_lost",
];

/** What the runner must do after a transition, in order. */
export type Effect =
  | { type: "spawn" } // start the command; feeds back spawned or spawn_failed
  | { type: "await_gate" } // wait for dependencies and condition; feeds back gate_open (gate_blocked meanwhile)
  | { type: "await_ready" } // readiness check; feeds back ready or not_ready
  | { type: "signal"; signal: NodeJS.Signals } // to every process of the service's tree
  | { type: "kill_tree" } // SIGKILL all that is left of the tree and wait until it is gone
  | { type: "clear_record" } // the process is gone: drop its record and PID file
  | { type: "arm_timer"; purpose: TimerPurpose; ms: number }
  | { type: "cancel_timer" };
