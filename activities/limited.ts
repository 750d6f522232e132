/** How many probes run at once in one cloud: a 100-account topology is checked without a burst of 100 calls. */
export const DOCTOR_CONCURRENCY = 8;

/** Runs `check` over `items`, `limit` at a time, keeping their order. */
export async function mapLimited<T, R>(items: T[], limit: number, check: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await check(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
