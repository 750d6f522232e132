// Test support for the fast-check fuzz tests of intake and the CLI's files (no production code imports it).

/**
 * A copy of `base` with one field replaced by `leaf`: `choices` walk down the keys (each picks a key by
 * index, modulo their count) and the walk stops at a leaf, an empty object, or every third choice. A
 * fixture with one field wrong reaches the mapping, where random bodies stop at the first check.
 */
export function mutate(base: unknown, choices: number[], leaf: unknown): unknown {
  const copy = structuredClone(base);
  let at: unknown = copy;
  for (const choice of choices) {
    if (!at || typeof at !== 'object') break;
    const keys = Object.keys(at);
    if (!keys.length) break;
    const key = keys[choice % keys.length]!;
    const next = (at as Record<string, unknown>)[key];
    if (!next || typeof next !== 'object' || choice % 3 === 0) {
      (at as Record<string, unknown>)[key] = leaf;
      break;
    }
    at = next;
  }
  return copy;
}
