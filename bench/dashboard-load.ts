/**
 * Measure 12 (`BENCH_ONLY=dashboard`), also alone as `node dist/bench/dashboard-load.js
 * [SERVICES]`: the dashboard against a daemon of SERVICES (default 1000) tiny services, in
 * Debian's headless Chromium. Gives what docs/dashboard.md reports: the page's transfer size (HTML, script, stylesheet; gzip), the status snapshot's
 * size, first contentful paint, the time until every row is drawn, and how long a killed
 * service's new PID takes to appear in the page (its restart backoff, 100 ms, included).
 */
import { performance } from "node:perf_hooks";
import { request } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { launchChromium } from "../test/helpers/browser.js";
import { BenchDaemon, teardownAll } from "./bench-daemon.js";
import { sleep } from "./proc-usage.js";
import { formatMs, type Row } from "./report.js";

function fleetYaml(services: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= services; i++)
    lines.push(`  s${String(i).padStart(4, "0")}:`, `    command: [sleep, "100000"]`);
  return `${lines.join("\n")}\n`;
}

/** The status stream's first message (the snapshot): its size as JSON and as sent gzipped. */
function snapshotBytes(port: number, token: string): Promise<{ plain: number; sent: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${token}`, "accept-encoding": "gzip" };
    const req = request({ host: "127.0.0.1", port, path: "/api/v1/status?follow=1", headers }, (res) => {
      let sent = 0;
      let text = "";
      res.on("data", (chunk: Buffer) => (sent += chunk.length));
      const gzipped = res.headers["content-encoding"] === "gzip";
      const gunzip = createGunzip();
      if (gzipped) res.pipe(gunzip);
      (gzipped ? gunzip : res).on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
        const end = text.indexOf("\n\n");
        if (end === -1) return;
        resolve({ plain: Buffer.byteLength(text.slice(0, end + 2)), sent, ms: performance.now() - started });
        req.destroy();
      });
      gunzip.on("error", () => undefined); // cut off by the destroy above
    });
    req.on("error", (err) => (err.message.includes("socket hang up") ? undefined : reject(err)));
    req.end();
  });
}

interface DashboardLoad {
  pageBytes: number;
  snapshot: { plain: number; sent: number; ms: number };
  fcpMs: number | null;
  firstRows: number | null;
  allRows: number | null;
  firstRowsMs: number;
  rowsMs: number;
  daemonMs: number;
  liveMs: number;
}

/** One daemon of SERVICES services, one page in Chromium: the figures of docs/dashboard.md. */
async function loadDashboard(SERVICES: number): Promise<DashboardLoad> {
  const bench = new BenchDaemon(`dashboard${SERVICES}`, fleetYaml(SERVICES));
  writeFileSync(
    bench.configFile,
    `state_dir: ./state\nhttp: { listen: "127.0.0.1:0" }\nservices:\n${fleetYaml(SERVICES)}`,
  );
  const browser = await launchChromium();
  try {
    await bench.start();
    for (;;) {
      const status = await bench.api("GET", "/api/v1/status");
      const running = (status.json.services as { state: string }[]).filter(
        (s) => s.state === "running",
      ).length;
      if (running === SERVICES) break;
      await sleep(250);
    }
    const login = await bench.api("POST", "/api/v1/ui/login");
    const url = login.json.url as string;
    const port = Number(new URL(url).port);
    const token = readFileSync(join(bench.stateDir, "http.token"), "utf8").trim();
    const snapshot = await snapshotBytes(port, token);

    const page = await browser.newPage();
    const started = performance.now();
    await page.goto(url);
    await page.waitForSelector("tr[data-service]", { timeout: 60_000 });
    const firstRowsMs = performance.now() - started;
    await page.waitForFunction(
      (n) => (globalThis as any).document.querySelectorAll("tr[data-service]").length >= n,
      Math.min(SERVICES, 1000),
      { timeout: 60_000 },
    );
    const rowsMs = performance.now() - started;
    const timing = await page.evaluate(() => {
      const perf = (globalThis as any).performance;
      const nav = perf.getEntriesByType("navigation")[0];
      const resources = perf.getEntriesByType("resource").filter((r: any) => r.name.includes("/assets/"));
      const fcp = perf.getEntriesByName("first-contentful-paint")[0];
      const mark = (name: string): number | null => perf.getEntriesByName(name)[0]?.startTime ?? null;
      return {
        firstRows: mark("upkeep:first-rows"),
        allRows: mark("upkeep:all-rows"),
        pageBytes: nav.transferSize + resources.reduce((sum: number, r: any) => sum + r.transferSize, 0),
        fcpMs: fcp ? fcp.startTime : null,
      };
    });

    const first = (await bench.api("GET", "/api/v1/services/s0001")).json.pid as number;
    const killedAt = performance.now();
    process.kill(first, "SIGKILL");
    const daemonSaw = (async () => {
      for (;;) {
        const pid = (await bench.api("GET", "/api/v1/services/s0001")).json.pid as number | null;
        if (pid !== null && pid !== first) return performance.now() - killedAt;
        await sleep(5);
      }
    })();
    await page.waitForFunction(
      (old) => {
        const text = (globalThis as any).document.querySelector(
          'tr[data-service="s0001"] td.pid',
        )?.textContent;
        return text !== undefined && text !== String(old) && /^\d+$/.test(text);
      },
      first,
      { timeout: 30_000 },
    );
    const liveMs = performance.now() - killedAt;
    const daemonMs = await daemonSaw;
    const { pageBytes, fcpMs, firstRows, allRows } = timing;
    return { pageBytes, snapshot, fcpMs, firstRows, allRows, firstRowsMs, rowsMs, daemonMs, liveMs };
  } finally {
    await browser.close();
    await teardownAll();
  }
}

/** The table rows of measure 12. */
export async function measureDashboardLoad(services = 1000): Promise<Row[]> {
  const m = await loadDashboard(services);
  const row = (measure: string, result: string, target = "—", met: boolean | null = null): Row => ({
    measure,
    result,
    target,
    met,
    peer: "",
    order: 12,
  });
  const ms = (v: number | null): string => (v === null ? "n/a" : formatMs(v));
  return [
    row(
      `dashboard page transfer (html + js + css, gzip)`,
      `${(m.pageBytes / 1024).toFixed(1)} KiB`,
      "≤ 100 KiB",
      m.pageBytes <= 100 * 1024,
    ),
    row(`dashboard first contentful paint`, ms(m.fcpMs), "≤ 1 s", m.fcpMs !== null && m.fcpMs <= 1000),
    row(
      `dashboard, ${services} services: first rows / all rows drawn`,
      `${ms(m.firstRows)} / ${ms(m.allRows)} (status snapshot ${(m.snapshot.plain / 1024).toFixed(0)} KiB as JSON, ${(m.snapshot.sent / 1024).toFixed(0)} KiB sent gzipped)`,
    ),
    row(
      `dashboard, kill → new PID shown`,
      `${ms(m.liveMs)} in the page, ${ms(m.daemonMs)} in the API (100 ms backoff included)`,
    ),
  ];
}

async function main(): Promise<void> {
  const services = Number(process.argv[2] ?? 1000);
  const m = await loadDashboard(services);
  console.log(`services: ${services}`);
  console.log(`page transfer (html + js + css, gzip): ${m.pageBytes} bytes`);
  console.log(
    `status snapshot message: ${m.snapshot.plain} bytes as JSON, ${m.snapshot.sent} bytes sent gzipped, in ${m.snapshot.ms.toFixed(0)} ms`,
  );
  console.log(`first contentful paint: ${m.fcpMs?.toFixed(0)} ms`);
  console.log(
    `navigation → first rows drawn: ${m.firstRows?.toFixed(0)} ms, all rows: ${m.allRows?.toFixed(0)} ms (in the page's clock; as the test driver saw it: ${m.firstRowsMs.toFixed(0)} and ${m.rowsMs.toFixed(0)} ms)`,
  );
  console.log(
    `kill → new PID in the API: ${m.daemonMs.toFixed(0)} ms, in the page: ${m.liveMs.toFixed(0)} ms`,
  );
  console.log(
    `load average while measuring: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
}

if (process.argv[1]?.endsWith("dashboard-load.js")) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
