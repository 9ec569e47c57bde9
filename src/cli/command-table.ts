/**
 * Every command of this version (SPEC §4): its flags, positionals and help text, and a loader
 * that imports its module only when that command runs. docs/cli/<command>.md mirrors this
 * table; command-table.test.ts fails when a page is missing. Longer than 300 lines for a reason:
 * it is one table, an entry per command, read top to bottom like the help it produces; the
 * help, the man pages (scripts/build-man.mjs) and shell completion are all generated from it.
 */
import { LOG_FORMATS } from "../daemon/log-format.js";
import type { CommandModule, CommandSpec, FlagSpec } from "./command-spec.js";

const JSON_FLAG: FlagSpec = {
  key: "json",
  long: "--json",
  kind: "boolean",
  help: "print JSON instead of a table",
};
/** --json of the commands that act: `{results: [{service, ok, action, state, pid, …}]}`. */
const RESULTS_JSON_FLAG: FlagSpec = { ...JSON_FLAG, help: "print the per-service results as JSON" };
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
  examples: readonly string[],
): CommandSpec {
  return {
    name,
    summary,
    examples,
    usage: "NAME…|--all [--force] [--json]",
    description,
    flags: [ALL_FLAG, FORCE_FLAG, RESULTS_JSON_FLAG],
    positionals: { name: "NAME", min: 0, max: Infinity },
    namesOrAll: true,
    load: loadAction,
  };
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "daemon",
    summary: "run the supervisor",
    usage: "[--detach] [--force] [--log-format auto|text|json|journal]",
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
      {
        key: "logFormat",
        long: "--log-format",
        kind: "string",
        choices: LOG_FORMATS,
        valueName: "auto|text|json|journal",
        help: "the daemon's own log lines (default auto: journal under systemd, else text; $UPKEEP_LOG_FORMAT)",
      },
    ],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/daemon.js"),
    examples: [
      "upkeep --config /etc/upkeep.yaml daemon --detach",
      "upkeep daemon   # in the foreground, as a systemd service runs it",
    ],
  },
  {
    name: "status",
    summary: "show the services: state, PID, uptime, restarts, CPU, memory, ports",
    usage: "[NAME…] [--json] [--check [-q]]",
    description:
      "Shows the services (all, or the NAMEs given; `web` also selects its instances `web@…`).\n" +
      "Failed, backoff and waiting services get a line with the reason.\n" +
      "With --check NAME… it prints `NAME STATE` per service and exits 0 only if every one is\n" +
      "running, else 3 (like `systemctl is-active`); `starting` is not running yet.",
    exitCodes:
      "0 ok (--check: every NAME is running) · 1 a NAME is not in the config · 2 usage error · " +
      "3 the daemon is not running (--check: or a NAME is not running)",
    flags: [
      JSON_FLAG,
      {
        key: "check",
        long: "--check",
        kind: "boolean",
        help: "exit 0 only if every NAME is running, else 3",
      },
      { key: "quiet", long: "--quiet", short: "-q", kind: "boolean", help: "with --check: print nothing" },
    ],
    positionals: { name: "NAME", min: 0, max: Infinity },
    load: () => import("./commands/status.js"),
    examples: [
      "upkeep status",
      "upkeep status web --json | jq '.services[].state'",
      'upkeep status --check --quiet web db || echo "not all running"',
    ],
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
    examples: ["upkeep ps web", "upkeep ps web@hostA --json"],
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
    examples: ["upkeep check", "upkeep check --json -t 10"],
  },
  actionSpec(
    "start",
    "start services and wait for the result",
    "Starts the services and waits until each one is running, or says why not.",
    [
      "upkeep start web",
      "upkeep start web@hostA db",
      "upkeep start --all --json | jq '.results[] | select(.ok | not)'",
    ],
  ),
  actionSpec(
    "stop",
    "stop services and wait until they are down",
    "Stops the services; they stay stopped until started again.",
    ["upkeep stop web", "upkeep stop --all"],
  ),
  actionSpec(
    "restart",
    "stop then start services",
    "Restarts the services and waits until each one is running again.",
    ["upkeep restart web", "upkeep restart web --json"],
  ),
  actionSpec(
    "reload",
    "reload services that declare how (reload_signal or reload.command)",
    "Sends each service its reload_signal, or runs its reload.command, and watches it for a second:\n" +
      "a service that dies on its reload is a failed reload. A service that declares neither is\n" +
      "refused (use restart); --all reloads only the running services that declare one.",
    ["upkeep reload nginx", "upkeep reload --all"],
  ),
  {
    name: "reset",
    summary: "clear failed and the attempt counter, then start",
    usage: "NAME…|--all [--json]",
    description: "Clears `failed` and the attempt counter of the services, then starts them again.",
    flags: [ALL_FLAG, RESULTS_JSON_FLAG],
    positionals: { name: "NAME", min: 0, max: Infinity },
    namesOrAll: true,
    load: loadAction,
    examples: ["upkeep reset db", "upkeep reset --all --json"],
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
    examples: ["upkeep logs web -n 100", "upkeep logs web -f --timestamps", "upkeep logs web --stream err"],
  },
  {
    name: "events",
    summary: "print the event timeline",
    usage: "[NAME] [-n N] [-f] [--json]",
    description: "Prints the last events (of one service, or all), oldest first.",
    flags: [lines("lines", 20, "events"), FOLLOW_FLAG, { ...JSON_FLAG, help: "one JSON object per line" }],
    positionals: { name: "NAME", min: 0, max: 1 },
    load: () => import("./commands/events.js"),
    examples: ["upkeep events", "upkeep events web -f", "upkeep events -n 100 --json"],
  },
  {
    name: "incidents",
    summary: "list crashes and restarts with their diagnostics",
    usage: "[NAME] [-n N] [--json]",
    description:
      "Lists the incidents kept (crashes, failed starts, readiness timeouts, restarts for health\n" +
      "or limits), oldest first; see one whole with `upkeep incident ID`. Reads the state store\n" +
      "itself when no daemon runs.",
    flags: [lines("lines", 20, "incidents"), { ...JSON_FLAG, help: "one JSON object per line" }],
    positionals: { name: "NAME", min: 0, max: 1 },
    examples: [
      "upkeep incidents",
      "upkeep incidents web -n 5",
      "upkeep incidents --json | jq -c '[.id, .kind]'",
    ],
    load: () => import("./commands/incidents.js"),
  },
  {
    name: "incident",
    summary: "show one incident: output, process tree, host snapshot",
    usage: "ID [--json]",
    description:
      "Shows one incident whole: what happened, the run's last output lines (both streams), its\n" +
      "process tree as last sampled, and the host at the time. Reads the state store itself when\n" +
      "no daemon runs.",
    flags: [JSON_FLAG],
    positionals: { name: "ID", min: 1, max: 1 },
    examples: ["upkeep incident 42", "upkeep incident 42 --json | jq '.output[-5:]'"],
    load: () => import("./commands/incident.js"),
  },
  {
    name: "config check",
    summary: "validate the config; print problems with file:line:col",
    usage: "",
    description: "Reads and validates the config without a daemon. Prints every problem found, one per line.",
    flags: [],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/config-check.js"),
    examples: ["upkeep --config ./upkeep.yaml config check"],
  },
  {
    name: "notify test",
    summary: "send a test message through every notify channel and report each result",
    usage: "[NAME] [--json]",
    description:
      "Asks the daemon to send a test message through every configured channel (exec, webhook,\n" +
      "email): the global ones, or those that apply to service NAME. Each channel is tried once\n" +
      "and its result shown: delivered, or the error. Exit 1 when a channel failed.",
    flags: [JSON_FLAG],
    positionals: { name: "NAME", min: 0, max: 1 },
    examples: [
      "upkeep notify test            # one test message through every configured channel",
      "upkeep notify test web --json # through the channels web notifies on, results as JSON",
    ],
    load: () => import("./commands/notify-test.js"),
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
    examples: ["upkeep reload-config --dry-run", "upkeep reload-config"],
  },
  {
    name: "metrics",
    summary: "print the Prometheus metrics (for node_exporter's textfile collector)",
    usage: "[--output FILE]",
    description:
      "Prints the daemon's /metrics text: every service's state, restarts, CPU and memory of its\n" +
      "tree, health, and the daemon's own figures. --output replaces FILE atomically, as\n" +
      "node_exporter's textfile collector needs. With the daemon down it still writes `upkeep_up 0`\n" +
      "and exits 3.",
    flags: [
      {
        key: "output",
        long: "--output",
        short: "-o",
        kind: "string",
        valueName: "FILE",
        help: "write to FILE (temp file + rename in its dir) instead of stdout",
      },
    ],
    positionals: { name: "", min: 0, max: 0 },
    examples: [
      "upkeep metrics | grep upkeep_service_up",
      "upkeep metrics --output /var/lib/prometheus/node-exporter/upkeep.prom   # from cron, every minute",
    ],
    load: () => import("./commands/metrics.js"),
  },
  {
    name: "shutdown",
    summary: "stop all services (reverse dependency order), then the daemon",
    usage: "[--leave-running] [--json]",
    description:
      "Stops every service in reverse dependency order, then the daemon; waits until it is gone.\n" +
      "With --leave-running only the daemon exits: every service keeps running, and the next\n" +
      "daemon (a newer version) adopts them with the same PIDs and no lost output (man upkeep-shutdown).",
    flags: [
      {
        key: "leaveRunning",
        long: "--leave-running",
        kind: "boolean",
        help: "exit the daemon only; the next daemon adopts every service (upgrades)",
      },
      RESULTS_JSON_FLAG,
    ],
    positionals: { name: "", min: 0, max: 0 },
    load: () => import("./commands/shutdown.js"),
    examples: ["upkeep shutdown", "upkeep shutdown --json | jq '.results[] | select(.ok | not)'"],
  },
  {
    name: "completion",
    summary: "print the shell completion script for bash, zsh or fish",
    usage: "bash|zsh|fish",
    description:
      "Prints a script that completes upkeep's commands, flags and service names in the shell.\n" +
      "Service names are read from the config file (the one --config on the line names, else\n" +
      "$UPKEEP_CONFIG, else ./upkeep.yaml), so they complete with the daemon down too.",
    flags: [],
    positionals: { name: "SHELL", min: 1, max: 1, choices: ["bash", "zsh", "fish"] },
    load: () => import("./commands/completion.js"),
    examples: [
      "source <(upkeep completion bash)   # in ~/.bashrc",
      "upkeep completion fish > ~/.config/fish/completions/upkeep.fish",
    ],
  },
  {
    name: "__complete",
    summary: "the completion scripts' call-back: candidates for the typed words",
    usage: "SHELL -- WORDS…",
    description: "Prints one candidate per line for the last of WORDS (used by `upkeep completion`).",
    flags: [],
    positionals: { name: "WORD", min: 1, max: Infinity },
    hidden: true,
    load: () => import("./commands/complete.js"),
  },
  {
    name: "systemd-unit",
    summary: "print (or install) the systemd unit that runs this daemon",
    usage: "[--install [--force] [--unit-dir DIR]] [--exec PATH]",
    description:
      "Prints a systemd unit (Type=notify, Restart=always, KillMode=process, Delegate=yes) that runs\n" +
      "the daemon for this config with absolute paths; no daemon is needed. With --install it writes\n" +
      "/etc/systemd/system/upkeep.service (a different existing file only with --force) and prints\n" +
      "the next step: systemctl daemon-reload && systemctl enable --now upkeep.",
    flags: [
      {
        key: "install",
        long: "--install",
        kind: "boolean",
        help: "write the unit file instead of printing it",
      },
      {
        key: "force",
        long: "--force",
        kind: "boolean",
        help: "with --install: replace a unit file whose content differs",
      },
      {
        key: "unit-dir",
        long: "--unit-dir",
        kind: "string",
        valueName: "DIR",
        help: "with --install: write into DIR instead of /etc/systemd/system",
      },
      {
        key: "exec",
        long: "--exec",
        kind: "string",
        valueName: "PATH",
        help: "run the daemon as PATH (an upkeep launcher, e.g. /usr/bin/upkeep) instead of this node and CLI",
      },
    ],
    positionals: { name: "", min: 0, max: 0 },
    examples: [
      "upkeep --config /etc/upkeep/upkeep.yaml systemd-unit",
      "upkeep --config /etc/upkeep/upkeep.yaml systemd-unit --install --exec /usr/bin/upkeep",
      "systemctl daemon-reload && systemctl enable --now upkeep",
    ],
    load: () => import("./commands/systemd-unit.js"),
  },
  {
    name: "ui",
    summary: "print the dashboard's URL with a one-time login code",
    usage: "",
    description:
      "Prints the dashboard's URL with a login code in its fragment: open it in a browser on this host.\n" +
      "The code works once, for two minutes; the page trades it for a session.",
    flags: [],
    positionals: { name: "", min: 0, max: 0 },
    examples: ["upkeep ui", 'xdg-open "$(upkeep ui)"'],
    load: () => import("./commands/ui.js"),
  },
];
