/**
 * Runs `fn` over `items` with at most `limit` calls in flight; resolves when all are done and
 * rejects with the first error (the others still settle). For file-system work on libuv's
 * threadpool: on the disks seen here a file create takes 0.6–1 ms of mostly waiting; in a
 * bare test 16 creates in flight finished 3× sooner than one after the other (the daemon's
 * start-up gains less: the file system serves creates in one folder largely one at a time).
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
