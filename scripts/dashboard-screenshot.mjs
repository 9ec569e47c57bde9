#!/usr/bin/env node
// Takes a screenshot of the dashboard in Debian's headless Chromium, as docs/dashboard-*.png
// were made (docs/dashboard.md, "Screenshots"):
//   node scripts/dashboard-screenshot.mjs "$(upkeep ui)" OUT.png light|dark WIDTH HEIGHT [SERVICE [TAB]]
// SERVICE opens that service's detail, TAB one of processes, logs, events, incidents (the
// newest incident opened); SHOT_WAIT (ms, default 1500) is how long the page runs before the
// picture is taken.
// The same headless Chromium as the browser tests (built into dist/ by `npm run build`).
import { launchChromium } from "../dist/test/helpers/browser.js";
const [url, out, scheme, width, height, select, tab] = process.argv.slice(2);
const browser = await launchChromium();
const page = await browser.newPage({
  colorScheme: scheme,
  viewport: { width: Number(width), height: Number(height) },
  deviceScaleFactor: 1,
});
page.on("pageerror", (e) => console.log("pageerror:", e.message));
await page.goto(url);
await page.waitForSelector("tr[data-service]", { timeout: 10000 });
await page.waitForSelector(".check .verdict", { timeout: 10000 });
if (select) {
  await page.click(`tr[data-service="${select}"] td.name a`);
  if (tab) await page.click(`.tabs button:has-text("${tab}")`);
  if (tab === "incidents") {
    await page.click(".incident-list li button", { timeout: 10000 });
    await page.waitForSelector(".incident .facts", { timeout: 10000 });
  }
}
await page.waitForTimeout(Number(process.env.SHOT_WAIT ?? 1500));
await page.screenshot({ path: out });
await browser.close();
