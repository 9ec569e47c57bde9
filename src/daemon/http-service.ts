/**
 * Keeps the HTTP listener in step with the config: started with the daemon, and moved, started
 * or stopped when `reload-config` (or SIGHUP) changes `http`. Changes are applied one at a
 * time, in order. A listener that cannot start is said (stderr and a `daemon` event) and the
 * daemon goes on without it; the next reload tries again.
 */
import type { ApiContext } from "../api/app.js";
import type { HttpConfig } from "../config/model.js";
import { UpkeepError } from "../core/errors.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { listenHttp, type HttpListener } from "./http-listener.js";

export class HttpService {
  private config: HttpConfig | null = null;
  private listener: HttpListener | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly supervisor: Supervisor,
    private readonly api: ApiContext,
    /** The daemon's own message lines (stderr, in order with its event lines). */
    private readonly say: (line: string) => void,
  ) {}

  get url(): string | null {
    return this.listener?.url ?? null;
  }

  /** Applies `config` after any change still in progress; resolves once it is applied. */
  apply(config: HttpConfig, why: "start" | "reload"): Promise<void> {
    const applied = this.chain.then(() => this.applyNow(config, why));
    // A failed step is its caller's to report; the next reload still gets its turn.
    this.chain = applied.catch(() => undefined);
    return applied;
  }

  /** Stops listening and ends every open connection (event streams too). */
  close(): void {
    this.stopListener();
    this.config = null;
  }

  private async applyNow(config: HttpConfig, why: "start" | "reload"): Promise<void> {
    const running = this.listener !== null;
    if (running && this.config !== null && sameHttp(this.config, config)) return;
    if (!running && !config.enabled) {
      this.config = config;
      return;
    }
    this.stopListener();
    this.config = config;
    if (!config.enabled) {
      await this.report("the HTTP API and dashboard are off: the config now says http: false");
      return;
    }
    try {
      this.listener = await listenHttp(config, this.supervisor.config.stateDir, this.api);
    } catch (caught) {
      // Whatever stopped it, the listener failing is an event: supervision goes on.
      const err = asListenerError(caught);
      this.say(`upkeep: the HTTP API and dashboard are off: ${err.message}`);
      if (err.hint) this.say(`  hint: ${err.hint}`);
      await this.report(
        `the HTTP API and dashboard are off: ${err.message}${err.hint ? ` (${err.hint})` : ""}`,
      );
      return;
    }
    if (why === "reload") await this.report(`the HTTP API and dashboard now listen on ${this.listener.url}`);
  }

  private stopListener(): void {
    if (this.listener === null) return;
    this.listener.server.close();
    this.listener.server.closeAllConnections();
    this.listener = null;
    this.api.dashboard = null;
  }

  private async report(reason: string): Promise<void> {
    await this.supervisor.emit({ service: null, kind: "daemon", reason });
  }
}

function sameHttp(a: HttpConfig, b: HttpConfig): boolean {
  return (
    a.enabled === b.enabled &&
    a.host === b.host &&
    a.port === b.port &&
    a.names.join("\n") === b.names.join("\n")
  );
}

function asListenerError(err: unknown): UpkeepError {
  if (err instanceof UpkeepError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new UpkeepError("HTTP_UNAVAILABLE", `the HTTP listener cannot start: ${message}`, {
    hint: "see the daemon's output for the cause, fix it, then restart the daemon",
    cause: err,
  });
}
