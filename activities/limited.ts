import type { AccessCheck, ListedTarget } from '../domain/doctor.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, problemOf } from './errors.js';

/** A probe that met a transient failure (a reset connection, throttling, a 5xx) is tried this often in all. */
export const DOCTOR_ATTEMPTS = 3;
const DOCTOR_RETRY_PAUSE_MS = 500;

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

/** What a probe found where it got in. */
export interface Probed {
  identity?: string | undefined;
  missing: string[];
  unchecked: string[];
}

/**
 * `revoker doctor` for one cloud: `probe` each listed target, DOCTOR_CONCURRENCY at a time; a target the probe
 * cannot reach is reported with why, never thrown, so one broken account does not hide the others.
 */
export function checkEach(
  cloud: AccessCheck['cloud'],
  targets: ListedTarget[],
  classify: (error: unknown) => ProviderError | undefined,
  probe: (id: string) => Promise<Probed>,
): Promise<AccessCheck[]> {
  return mapLimited(targets, DOCTOR_CONCURRENCY, async ({ id, name }) => {
    const about = { cloud, id, ...(name ? { name } : {}) };
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { identity, missing, unchecked } = await probe(id);
        return { ...about, reachable: true, ...(identity ? { identity } : {}), missing, unchecked };
      } catch (error) {
        const known = error instanceof ProviderError ? error : classify(error);
        // A reset connection or a throttled call says nothing about access: ask again before reporting it.
        if (known?.retryable && attempt < DOCTOR_ATTEMPTS) {
          await sleep(DOCTOR_RETRY_PAUSE_MS * attempt);
          continue;
        }
        return { ...about, reachable: false, missing: [], unchecked: [], problem: problemOf(error, classify) };
      }
    }
  });
}
