import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium (scripts/install-test-deps.sh installs it); no browser is downloaded. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Launches headless Chromium with nothing that would reach the network on its own (the test
 * machines have none). Playwright gives each launch a new, empty profile (--user-data-dir in a
 * temp folder, removed on close): no cookie survives from one run to the next.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 30_000,
  });
}
