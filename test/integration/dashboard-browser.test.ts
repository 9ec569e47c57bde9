import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/browser.js";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// The dashboard in a real headless Chromium (Debian's), logged in through `upkeep ui`'s link,
// against a real daemon and real processes. Each step waits on what the page shows.
const skip = existsSync(CHROMIUM)
  ? false
  : `needs Debian's chromium at ${CHROMIUM} (scripts/install-test-deps.sh installs it)`;
const env = new TestEnv();
const SERVICES = 12;
let browser: Browser | null = null;
let page: Page;
// A live process that upkeep did not start, named by the stranger's pidfile.
const decoy = spawn("sleep", ["600"], { stdio: "ignore" });

before(async () => {
  if (skip) return;
  const pidfile = join(env.dir, "stranger.pid");
  writeFileSync(pidfile, `${decoy.pid}\n`);
  // Last written before the decoy started: upkeep cannot tie it to the service by itself.
  utimesSync(pidfile, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  const fillers = Array.from(
    { length: SERVICES - 2 },
    (_, i) => `  svc-${String(i).padStart(2, "0")}:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`,
  ).join("");
  env.writeConfig(`http: { listen: "127.0.0.1:0" }
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "0.1"]
  stranger:
    type: forking
    command: ["{fixtures}/fake-forking-daemon", --pidfile, ${pidfile}, "{marker}"]
    pidfile: ${pidfile}
${fillers}`);
  await env.startDaemon();
  await env.waitForService("stranger", "failed", "the stranger's pidfile refused");
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("pageerror", (err) => assert.fail(`the page threw: ${err.message}`));
});
after(async () => {
  await browser?.close();
  await env.teardown();
  decoy.kill("SIGKILL");
});

const cell = (name: string, what: string): string => `tr[data-service="${name}"] ${what}`;

test("logs in through the `upkeep ui` link and sees every service", { skip }, async () => {
  const ui = env.cli("ui");
  assert.equal(ui.code, 0, ui.stderr);
  await page.goto(ui.stdout.trim());
  await waitFor(async () => (await page.locator("tr[data-service]").count()) === SERVICES, {
    what: `${SERVICES} rows`,
    timeout: 15_000,
  });
  assert.equal(new URL(page.url()).hash, "", "the login code is gone from the address bar");
  const names = await page.$$eval("tr[data-service]", (rows) =>
    rows.map((r) => r.getAttribute("data-service")),
  );
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes("web") && names.includes("stranger") && names.includes("svc-09"));
  await page.waitForSelector(".check .verdict", { timeout: 10_000 });
  assert.equal(await page.textContent(".check .verdict"), "CRITICAL", "the refused stranger is critical");
  // Marks this document: a reload would lose it.
  // (A function, not a string: the page's CSP forbids eval, for tests too.)
  await page.evaluate(() => ((globalThis as any).kept = true));
});

test("filters and sorts the services", { skip }, async () => {
  const rows = (): Promise<(string | null)[]> =>
    page.$$eval("tr[data-service]", (list) => list.map((r) => r.getAttribute("data-service")));
  await page.fill('input[type="search"]', "svc-0");
  await waitFor(async () => (await rows()).length === SERVICES - 2, { what: "the filtered rows" });
  await page.fill('input[type="search"]', "failed");
  await waitFor(async () => (await rows()).join() === "stranger", { what: "only the failed service" });
  await page.fill('input[type="search"]', "");
  await page.click('th button:has-text("Name")'); // sorted by name already: now descending
  await waitFor(async () => (await rows())[0] === "web", { what: "web first, names descending" });
  await page.click('th button:has-text("Name")');
  await waitFor(async () => (await rows())[0] === "stranger", { what: "names ascending again" });
});

test("a killed process's new PID appears without a reload", { skip }, async () => {
  const before = (await env.status("web")).pid as number;
  assert.equal(Number(await page.textContent(cell("web", "td.pid"))), before);
  process.kill(before, "SIGKILL");
  const after = await waitFor(
    async () => {
      const shown = Number(await page.textContent(cell("web", "td.pid")));
      return Number.isInteger(shown) && shown > 0 && shown !== before ? shown : null;
    },
    { what: "a new PID in web's row", timeout: 10_000 },
  );
  assert.equal(after, (await env.status("web")).pid);
  assert.equal(await page.evaluate(() => (globalThis as any).kept), true, "no reload");
});

test("follows a service's log", { skip }, async () => {
  await page.click(cell("web", "td.name a"));
  await page.click('.tabs button:has-text("logs")');
  const lastTick = async (): Promise<number> => {
    const text = (await page.textContent("pre.log")) ?? "";
    return Number([...text.matchAll(/tick (\d+)/g)].at(-1)?.[1] ?? 0);
  };
  const first = await waitFor(lastTick, { what: "web's output in the page", timeout: 10_000 });
  await waitFor(async () => (await lastTick()) >= first + 5, {
    what: "newer lines to follow",
    timeout: 10_000,
  });
});

test("stops and starts a service from its page", { skip }, async () => {
  await page.click('.detail button[data-action="stop"]');
  await page.waitForSelector(`${cell("web", ".badge.stopped")}`, { timeout: 15_000 });
  assert.equal((await env.status("web")).state, "stopped");
  await page.click('.detail button[data-action="start"]');
  await page.waitForSelector(`${cell("web", ".badge.running")}`, { timeout: 15_000 });
  await page.waitForSelector('.toast.ok:has-text("start web")', { timeout: 5_000 });
});

test("on a phone's width the table keeps its key columns and the detail comes first", { skip }, async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(await page.isVisible(cell("web", "td.pid")), true);
  assert.equal(await page.isVisible(cell("web", "td.wide")), false, "CPU, memory and the like are hidden");
  const detail = await page.locator(".detail").boundingBox();
  const table = await page.locator(".services-table").boundingBox();
  assert.ok(detail && table && detail.y < table.y, "the detail above the list");
  assert.ok(detail.width <= 390);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test(
  "a forced start asks first, naming the PID and command it takes over, then takes it over",
  { skip },
  async () => {
    await page.click(cell("stranger", "td.name a"));
    await page.click('.detail button[data-action="force-start"]');
    await page.waitForSelector(".dialog", { timeout: 5_000 });
    assert.equal(await page.textContent(".dialog .force-pid"), String(decoy.pid));
    assert.equal(await page.textContent(".dialog .force-command"), "sleep 600");
    assert.equal((await env.status("stranger")).state, "failed", "nothing happens before the confirmation");
    await page.click('.dialog button[data-action="confirm-force"]');
    await page.waitForSelector(cell("stranger", ".badge.running"), { timeout: 15_000 });
    assert.equal(Number(await page.textContent(cell("stranger", "td.pid"))), decoy.pid);
    assert.equal(isAlive(decoy.pid!), true);
  },
);
