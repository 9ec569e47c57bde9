import assert from "node:assert/strict";
import { test } from "node:test";
import { quoteSystemdWord, renderSystemdUnit, type UnitOptions } from "./systemd-unit-text.js";

const OPTIONS: UnitOptions = {
  daemonPrefix: ["/usr/bin/node", "--max-semi-space-size=1", "/opt/upkeep/dist/bundle/cli/main.mjs"],
  cliPrefix: ["/usr/bin/node", "/opt/upkeep/dist/bundle/cli/main.mjs"],
  configFile: "/etc/upkeep/upkeep.yaml",
  stateDir: null,
  stopTimeoutMs: 24_500,
  version: "1.2.3",
};

/** The value of a setting in the unit text. */
function setting(text: string, key: string): string | undefined {
  return text
    .split("\n")
    .find((line) => line.startsWith(`${key}=`))
    ?.slice(key.length + 1);
}

test("the unit says Type=notify, Restart=always, KillMode=process, Delegate=yes and a stop timeout in whole seconds", () => {
  const text = renderSystemdUnit(OPTIONS);
  assert.equal(setting(text, "Type"), "notify");
  assert.equal(setting(text, "NotifyAccess"), "main");
  assert.equal(setting(text, "Restart"), "always");
  assert.equal(setting(text, "KillMode"), "process");
  assert.equal(setting(text, "Delegate"), "yes");
  assert.equal(setting(text, "RestartPreventExitStatus"), "2");
  assert.equal(setting(text, "TimeoutStopSec"), "25s", "24.5 s rounds up");
  assert.equal(setting(text, "WantedBy"), "multi-user.target");
});

test("ExecStart runs the daemon and ExecReload reload-config, with absolute paths and the state dir when given", () => {
  const plain = renderSystemdUnit(OPTIONS);
  assert.equal(
    setting(plain, "ExecStart"),
    "/usr/bin/node --max-semi-space-size=1 /opt/upkeep/dist/bundle/cli/main.mjs --config /etc/upkeep/upkeep.yaml daemon",
  );
  assert.equal(
    setting(plain, "ExecReload"),
    "/usr/bin/node /opt/upkeep/dist/bundle/cli/main.mjs --config /etc/upkeep/upkeep.yaml reload-config",
  );
  const withDir = renderSystemdUnit({
    ...OPTIONS,
    daemonPrefix: ["/usr/bin/upkeep"],
    stateDir: "/var/lib/upkeep",
  });
  assert.equal(
    setting(withDir, "ExecStart"),
    "/usr/bin/upkeep --config /etc/upkeep/upkeep.yaml --state-dir /var/lib/upkeep daemon",
  );
});

test("words with spaces, quotes, backslashes, % and $ are quoted and escaped as systemd.service(5) reads command lines", () => {
  assert.equal(quoteSystemdWord("/etc/upkeep.yaml"), "/etc/upkeep.yaml");
  assert.equal(quoteSystemdWord("/srv/my app/upkeep.yaml"), '"/srv/my app/upkeep.yaml"');
  assert.equal(quoteSystemdWord("/srv/50%/a"), "/srv/50%%/a", "a specifier is escaped");
  assert.equal(quoteSystemdWord("/srv/$HOME/a"), "/srv/$$HOME/a", "a variable is escaped");
  assert.equal(quoteSystemdWord('/srv/a"b\\c'), '"/srv/a\\"b\\\\c"');
  assert.equal(quoteSystemdWord(""), '""');
  assert.throws(() => quoteSystemdWord("/srv/a\nb"), /cannot put/);
  const text = renderSystemdUnit({ ...OPTIONS, configFile: "/srv/50% off/upkeep.yaml" });
  assert.equal(setting(text, "Description"), "upkeep process supervisor (/srv/50%% off/upkeep.yaml)");
});
