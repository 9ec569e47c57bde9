/**
 * The one way tests wait: poll a predicate until it returns a truthy value or the deadline
 * passes. On timeout the error says what was awaited and the last value seen.
 */
export interface WaitOptions {
  timeout?: number; // ms, default 10000
  interval?: number; // ms between polls, default 20
  what: string; // what we wait for, for the timeout message
}

export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitOptions,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeout ?? 10_000);
  const interval = options.interval ?? 20;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      last = value;
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const seen =
        lastError !== undefined
          ? `last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`
          : `last value: ${JSON.stringify(last)}`;
      throw new Error(
        `timed out after ${options.timeout ?? 10_000} ms waiting for ${options.what} (${seen})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
