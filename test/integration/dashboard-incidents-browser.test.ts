import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/browser.js";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A service's incidents in the dashboard, in Debian's headless Chromium against a real daemon:
// one that crashed before the page opened (and stays down), one that crashes while its incidents
// are on screen and is restarted.
const skip = existsSync(CHROMIUM)
  ? false
  : `needs Debian's chromium at ${CHROMIUM} (scripts/install-test-deps.sh installs it)`;
const env = new TestEnv();
const go = join(env.dir, "go");
// Markup in the output must reach the page as text, never as elements.
const KNOWN = "<b>known</b> last words 4711";
let browser: Browser | null = null;
let page: Page;

before(async () => {
  if (skip) return;
  // $0 is the test's marker (so teardown finds the process), $1 the file that lets it crash.
  // Restarted after its crash (backoff), it waits for the next cue.
  const crasher = `while [ ! -e "$1" ]; do sleep 0.05; done; rm "$1"; echo '${KNOWN}'; echo 'going down' >&2; exit 1`;
  env.writeConfig(`http: { listen: "127.0.0.1:0" }
services:
  early:
    command: ["sh", "-c", "echo 'early words'; exit 3", "{marker}"]
    restart: "no"
  crashy:
    command: ["sh", "-c", ${JSON.stringify(crasher)}, "{marker}", ${JSON.stringify(go)}]
`);
  await env.startDaemon();
  await env.waitForService("early", "exited", "early's crash");
  await env.waitForService("crashy", "running", "crashy waiting for its cue");
  await waitFor(
    async () => {
      const r = await env.api("GET", "/api/v1/incidents?service=early");
      return r.json.incidents.length === 1;
    },
    { what: "early's incident stored", timeout: 10_000 },
  );
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("pageerror", (err) => assert.fail(`the page threw: ${err.message}`));
  const ui = env.cli("ui");
  assert.equal(ui.code, 0, ui.stderr);
  await page.goto(ui.stdout.trim());
  await page.waitForSelector('tr[data-service="crashy"]', { timeout: 15_000 });
});
after(async () => {
  await browser?.close();
  await env.teardown();
});

test("opening a service's incidents lists the crash it had before the page opened", { skip }, async () => {
  await page.click('tr[data-service="early"] td.name a');
  await page.click('.tabs button:has-text("incidents")');
  const row = page.locator(".incident-list li button");
  await row.first().waitFor({ timeout: 10_000 });
  assert.equal(await row.count(), 1);
  const text = (await row.first().textContent()) ?? "";
  assert.match(text, /crash/);
  assert.match(text, /early crashed: exited with code 3/);
});

test(
  "a crash of the open service appears in its list, and opens whole with its last output",
  { skip },
  async () => {
    await page.click('tr[data-service="crashy"] td.name a');
    await page.waitForSelector('.detail h2:has-text("crashy")');
    await page.click('.tabs button:has-text("incidents")');
    // crashy's own list, empty so far.
    await page.waitForSelector('.incidents p.muted:has-text("No incidents kept.")', { timeout: 10_000 });
    writeFileSync(go, "");
    // No reload, no click: the service's fall (backoff, then a restart) reads the list again.
    const row = page.locator(".incident-list li button");
    await row.first().waitFor({ timeout: 15_000 });
    assert.match((await row.first().textContent()) ?? "", /crashy crashed: exited with code 1/);

    await row.first().click();
    const output = page.locator(".incident .incident-output");
    await output.waitFor({ timeout: 10_000 });
    assert.equal(await page.textContent(".incident .ended"), "exit code 1");
    const outLines = await page.$$eval(".incident-output .line.out", (spans) =>
      spans.map((s) => s.textContent),
    );
    assert.ok(
      outLines.includes(`${KNOWN}\n`),
      `the known line on stdout, as text: ${JSON.stringify(outLines)}`,
    );
    const errLines = await page.$$eval(".incident-output .line.err", (spans) =>
      spans.map((s) => s.textContent),
    );
    assert.deepEqual(errLines, ["going down\n"], "stderr's line, coloured as stderr");
    assert.equal(await page.locator(".incident-output b").count(), 0, "the output's markup made no element");
    // The host snapshot: load and the top processes (this test's own Chromium among them).
    assert.match((await page.textContent(".incident .host .load")) ?? "", /^[\d.]+ [\d.]+ [\d.]+$/);
    assert.ok(
      (await page.locator(".incident .host table.mini tbody tr").count()) > 0,
      "top processes listed",
    );
    assert.ok(
      (await page.locator('.incident h4:has-text("Process tree") + *').count()) === 1,
      "the tree sample or why there is none",
    );
  },
);
