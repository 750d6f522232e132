import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration such as "500ms", "30s", "15m", "4h" or "2d": what a person types into a policy file. */
export const DurationText = lazySchema(() =>
  z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration is a number and a unit: 500ms, 30s, 15m, 4h or 2d'),
);

export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
