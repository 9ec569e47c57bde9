/**
 * The dashboard's only way to the daemon: /api/v1 on the origin that served the page, with the
 * session cookie (sent by the browser, never readable here) and the CSRF token for actions.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string | undefined,
  ) {
    super(message);
  }
}

let csrf = "";

export type LoginResult = "ok" | "needs-login";

/**
 * Logs in: with a code in the fragment (`upkeep ui`), trades it for a session and removes it
 * from the address bar and history; without one, asks whether a session exists already.
 */
export async function logIn(): Promise<LoginResult> {
  const match = /(?:^#|&)login=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match !== null) {
    history.replaceState(null, "", location.pathname + location.search);
    const session = await request<{ csrf: string }>("POST", "/api/v1/session", { code: match[1] });
    csrf = session.csrf;
    return "ok";
  }
  try {
    csrf = (await request<{ csrf: string }>("GET", "/api/v1/session")).csrf;
    return "ok";
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return "needs-login";
    throw err;
  }
}

export function getJson<T>(path: string): Promise<T> {
  return request<T>("GET", path);
}

export function postJson<T>(path: string, body: unknown): Promise<T> {
  return request<T>("POST", path, body);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-upkeep-csrf"] = csrf;
  const init: RequestInit = { method, headers, cache: "no-store" };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    json = null; // not JSON: said below with the status
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; hint?: string } } | null)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? "HTTP",
      error?.message ?? `${res.status} ${res.statusText}`,
      error?.hint,
    );
  }
  return json as T;
}
