/**
 * The text of upkeep's systemd unit (`upkeep systemd-unit`, docs/systemd.md). Pure: the
 * command gathers the paths and the stop timeout, this turns them into the unit.
 *
 * Why each setting:
 * - Type=notify: the daemon says READY=1 once its socket answers, so `systemctl start` returns
 *   when the CLI works, and STATUS= shows the services' summary in `systemctl status`.
 * - KillMode=process: only the daemon is signalled when the unit stops or the daemon dies;
 *   the services keep running (SPEC §6) and the daemon systemd restarts adopts them. A stop
 *   asks the daemon, which stops every service in dependency order itself.
 * - Delegate=yes: the unit's cgroup is the daemon's to divide; the services' cgroups go inside
 *   it (identity/cgroup-delegation.ts), where systemd leaves them alone.
 * - Restart=always, but not after exit 2 (a usage or config error: a restart cannot mend it).
 * - TimeoutStopSec=: the longest chain of service stops, plus margins (config/shutdown-time.ts);
 *   the stopping daemon also extends it when the config has grown since (EXTEND_TIMEOUT_USEC).
 */

export interface UnitOptions {
  /** The argv that runs the CLI (without its arguments): [node, ...flags, cli] or [launcher]. */
  daemonPrefix: readonly string[];
  /** The same for short CLI calls (ExecReload=): without the daemon's V8 flags. */
  cliPrefix: readonly string[];
  /** Absolute config file path. */
  configFile: string;
  /** Absolute state dir, only when chosen outside the config (--state-dir, $UPKEEP_STATE_DIR). */
  stateDir: string | null;
  /** TimeoutStopSec=, in milliseconds (rounded up to whole seconds). */
  stopTimeoutMs: number;
  /** upkeep's version, for the header. */
  version: string;
}

/**
 * One word of an Exec*= line as systemd parses it (systemd.service(5), "Command lines"): '%'
 * starts a specifier and '$' a variable, so both are doubled; a word with anything but plain
 * characters is double-quoted with '\' and '"' escaped. Control characters cannot be written.
 */
export function quoteSystemdWord(word: string): string {
  // Control characters (a newline would end the setting): no quoting can carry them.
  if (/[\x00-\x1f\x7f]/.test(word)) throw new Error(`cannot put ${JSON.stringify(word)} in a unit file`);
  const escaped = word.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (word !== "" && /^[\w@%$+=:,./-]+$/.test(word)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** Text for a non-command setting (Description=): only specifiers need escaping. */
function plainValue(text: string): string {
  return text.replaceAll("%", "%%").replace(/[\x00-\x1f\x7f]/g, "?");
}

function commandLine(prefix: readonly string[], options: UnitOptions, command: string): string {
  const words = [
    ...prefix,
    "--config",
    options.configFile,
    ...(options.stateDir === null ? [] : ["--state-dir", options.stateDir]),
    command,
  ];
  return words.map(quoteSystemdWord).join(" ");
}

/** The unit file's text. */
export function renderSystemdUnit(options: UnitOptions): string {
  const stopSeconds = Math.max(1, Math.ceil(options.stopTimeoutMs / 1000));
  return [
    `# upkeep.service: written by \`upkeep systemd-unit\` (upkeep ${plainValue(options.version)}).`,
    "# The services keep running when the daemon stops or dies (KillMode=process); the daemon",
    "# that systemd starts next adopts them. `systemctl stop upkeep` stops every service first.",
    "# TimeoutStopSec= comes from the config's stop timeouts: run `upkeep systemd-unit --install",
    "# --force` again after raising them (the daemon also asks systemd for more time itself).",
    "[Unit]",
    `Description=upkeep process supervisor (${plainValue(options.configFile)})`,
    "After=network.target",
    "",
    "[Service]",
    "Type=notify",
    "NotifyAccess=main",
    `ExecStart=${commandLine(options.daemonPrefix, options, "daemon")}`,
    `ExecReload=${commandLine(options.cliPrefix, options, "reload-config")}`,
    "Restart=always",
    "RestartSec=1s",
    "RestartPreventExitStatus=2",
    "KillMode=process",
    "Delegate=yes",
    `TimeoutStopSec=${stopSeconds}s`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
