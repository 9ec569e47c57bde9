import { test } from "node:test";
import assert from "node:assert/strict";
import { locateConfigFile } from "./locate.js";

test("--config wins, then $UPKEEP_CONFIG, then ./upkeep.yaml, all made absolute from cwd", () => {
  const env = { UPKEEP_CONFIG: "env.yaml" };
  assert.equal(locateConfigFile("flag.yaml", env, "/srv"), "/srv/flag.yaml");
  assert.equal(locateConfigFile("/etc/u.yaml", env, "/srv"), "/etc/u.yaml");
  assert.equal(locateConfigFile(undefined, env, "/srv"), "/srv/env.yaml");
  assert.equal(locateConfigFile(undefined, {}, "/srv"), "/srv/upkeep.yaml");
  assert.equal(locateConfigFile("", { UPKEEP_CONFIG: "" }, "/srv"), "/srv/upkeep.yaml");
});
