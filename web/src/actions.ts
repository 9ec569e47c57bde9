/** Operator actions, as `upkeep start|stop|restart|reload|reset [--force]` does them. */
import { ApiError, postJson } from "./api";
import type { ActionResponseJson } from "./wire";

export const ACTIONS = ["start", "stop", "restart", "reload", "reset"] as const;

export interface Toast {
  ok: boolean;
  title: string;
  message: string;
  hint?: string | undefined;
}

/** Runs one action on one service and says how it went, as a toast. */
export async function runAction(name: string, action: string, force: boolean): Promise<Toast> {
  const title = `${action}${force ? " --force" : ""} ${name}`;
  try {
    const response = await postJson<ActionResponseJson>("/api/v1/actions", { action, names: [name], force });
    const result = response.results[0];
    if (!result) return { ok: false, title, message: "the daemon answered with no result" };
    return { ok: result.ok, title, message: result.message, hint: result.hint };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, title, message: err.message, hint: err.hint };
    return { ok: false, title, message: String(err) };
  }
}
