/**
 * Every command of this version (SPEC §4): its flags, positionals and help text, and a loader
 * that imports its module only when that command runs. docs/cli/<command>.md mirrors this
 * table; command-table.test.ts fails when a page is missing.
 */
import type { CommandModule, CommandSpec, FlagSpec } from "./command-spec.js";

const JSON_FLAG: FlagSpec = {
  key: "json",
  long: "--json",
  kind: "boolean",
  help: "print JSON instead of a table",
};
const ALL_FLAG: FlagSpec = {
  key: "all",
  long: "--all",
  kind: "boolean",
  help: "every service in the config",
};
const FORCE_FLAG: FlagSpec = {
  key: "force",
  long: "--force",
  kind: "boolean",
  help: "take over a live process upkeep cannot tie to the service (a pidfile naming it)",
};
const FOLLOW_FLAG: FlagSpec = {
  key: "follow",
  short: "-f",
  long: "--follow",
  kind: "boolean",
  help: "keep printing new entries until Ctrl-C",
};

function lines(key: "lines", fallback: number, what: string): FlagSpec {
  return {
    key,
    short: "-n",
    long: "--lines",
    kind: "integer",
    valueName: "N",
    help: `show the last N ${what} (default ${fallback})`,
  };
}

const loadAction = (): Promise<CommandModule> => import("./commands/action.js");

function actionSpec(
  name: "start" | "stop" | "restart" | "reload",
  summary: string,
  description: string,
): CommandSpec {
  return {
    name,
    summary,
    usage: "NAME…|--all [--force]",
    description,
    flags: [ALL_FLAG, FORCE_FLAG],
    positionals: { name: "NAME", min: 0, max: Infinity },
    namesOrAll: true,
    load: loadAction,
  };
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "daemon",
    summary: "run the supervisor",
    usage: "[--detach] [--force]",
    description:
      "Runs the supervisor in the foreground until SIGTERM, SIGINT or `upkeep shutdown`.\n" +
      "With --detach it starts in the background, waits until its socket answers, and returns.",
    flags: [
      {
        key: "detach",
        long: "--detach",
        kind: "boolean",
        help: "run in the background; return once the socket answers",
      },
      FORCE_FLAG,
    ],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/daemon.js"),
  },
  {
    name: "status",
    summary: "show the services: state, PID, uptime, restarts, CPU, memory, ports",
    usage: "[NAME…] [--json]",
    description:
      "Shows the services (all, or the NAMEs given; `web` also selects its instances `web@…`).\n" +
      "Failed, backoff and waiting services get a line with the reason.",
    flags: [JSON_FLAG],
    positionals: { name: "NAME", min: 0, max: Infinity },
    load: () => import("./commands/status.js"),
  },
  {
    name: "ps",
    summary: "show a service's process tree with PIDs, names and listening sockets",
    usage: "NAME [--json]",
    description:
      "Shows every live process of the service's current start, nested under its parent, with\n" +
      "the TCP, UDP and UNIX sockets each one listens on (read from /proc).",
    flags: [JSON_FLAG],
    positionals: { name: "NAME", min: 1, max: 1 },
    load: () => import("./commands/ps.js"),
  },
  {
    name: "check",
    summary: "check that every service runs as declared (monitoring-plugin output)",
    usage: "[--json] [-t SECONDS]",
    description:
      "Checks every service that should run: its recorded process, pidfile, children and ports,\n" +
      "second copies outside upkeep's records and stale records; also with the daemon down.\n" +
      "The first line is `UPKEEP <STATUS> - <summary>`. Exit codes follow the monitoring-plugin\n" +
      "convention, not upkeep's: 0 OK, 1 WARNING, 2 CRITICAL (also a daemon that is down or\n" +
      "never ran), 3 UNKNOWN (the check could not run: bad arguments, an unreadable config, the\n" +
      "timeout).",
    exitCodes: "0 OK · 1 WARNING · 2 CRITICAL · 3 UNKNOWN (the monitoring-plugin convention)",
    flags: [
      JSON_FLAG,
      {
        key: "timeout",
        long: "--timeout",
        short: "-t",
        kind: "string",
        valueName: "SECONDS",
        help: "give up after this long, as UNKNOWN (seconds, or a duration like 500ms; default 30)",
      },
    ],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/check.js"),
  },
  actionSpec(
    "start",
    "start services and wait for the result",
    "Starts the services and waits until each one is running, or says why not.",
  ),
  actionSpec(
    "stop",
    "stop services and wait until they are down",
    "Stops the services; they stay stopped until started again.",
  ),
  actionSpec(
    "restart",
    "stop then start services",
    "Restarts the services and waits until each one is running again.",
  ),
  actionSpec(
    "reload",
    "reload services that declare how (reload_signal or reload.command)",
    "Sends each service its reload_signal, or runs its reload.command, and watches it for a second:\n" +
      "a service that dies on its reload is a failed reload. A service that declares neither is\n" +
      "refused (use restart); --all reloads only the running services that declare one.",
  ),
  {
    name: "reset",
    summary: "clear failed and the attempt counter, then start",
    usage: "NAME…|--all",
    description: "Clears `failed` and the attempt counter of the services, then starts them again.",
    flags: [ALL_FLAG],
    positionals: { name: "NAME", min: 0, max: Infinity },
    namesOrAll: true,
    load: loadAction,
  },
  {
    name: "logs",
    summary: "print a service's output (works without the daemon)",
    usage: "NAME [-n N] [-f] [--timestamps] [--stream out|err]",
    description:
      "Prints the last lines the service wrote, exactly as written (stdout and stderr merged).\n" +
      "--timestamps shows when each line was captured, from which stream, and upkeep's markers.",
    flags: [
      lines("lines", 50, "lines"),
      FOLLOW_FLAG,
      {
        key: "timestamps",
        long: "--timestamps",
        kind: "boolean",
        help: "show capture time, stream and lifecycle markers",
      },
      {
        key: "stream",
        long: "--stream",
        kind: "string",
        choices: ["out", "err"],
        valueName: "out|err",
        help: "only stdout or only stderr",
      },
    ],
    positionals: { name: "NAME", min: 1, max: 1 },
    load: () => import("./commands/logs.js"),
  },
  {
    name: "events",
    summary: "print the event timeline",
    usage: "[NAME] [-n N] [-f] [--json]",
    description: "Prints the last events (of one service, or all), oldest first.",
    flags: [lines("lines", 20, "events"), FOLLOW_FLAG, { ...JSON_FLAG, help: "one JSON object per line" }],
    positionals: { name: "NAME", min: 0, max: 1 },
    load: () => import("./commands/events.js"),
  },
  {
    name: "config check",
    summary: "validate the config; print problems with file:line:col",
    usage: "",
    description: "Reads and validates the config without a daemon. Prints every problem found, one per line.",
    flags: [],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/config-check.js"),
  },
  {
    name: "reload-config",
    summary: "re-read the config and apply the difference (same as SIGHUP)",
    usage: "[--dry-run] [--json]",
    description:
      "Asks the daemon to re-read its config and apply the difference: which services start, stop,\n" +
      "restart, or take changes live. A bad config is rejected and the running set is kept.\n" +
      "Reloads run one at a time; requests made during one fold into one more reload after it.",
    flags: [
      { key: "dryRun", long: "--dry-run", kind: "boolean", help: "print the plan and change nothing" },
      JSON_FLAG,
    ],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/reload-config.js"),
  },
  {
    name: "shutdown",
    summary: "stop all services (reverse dependency order), then the daemon",
    usage: "",
    description: "Stops every service in reverse dependency order, then the daemon; waits until it is gone.",
    flags: [],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/shutdown.js"),
  },
  {
    name: "ui",
    summary: "print the dashboard's URL with a one-time login code",
    usage: "",
    description:
      "Prints the dashboard's URL with a login code in its fragment: open it in a browser on this host.\n" +
      "The code works once, for two minutes; the page trades it for a session (docs/dashboard.md).",
    flags: [],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/ui.js"),
  },
];
