import { z } from 'zod';

/** The JSON fields of an injected fault that every simulator shares: how often, and what it does besides an error. */
export const faultEffectFields = {
  times: z.number().int().min(1).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  lostWrite: z.boolean().optional(),
  lostResponse: z.boolean().optional(),
  replyDelayMs: z.number().int().min(0).max(600_000).optional(),
};

interface Effects {
  latencyMs?: number;
  lostWrite?: boolean;
  lostResponse?: boolean;
  replyDelayMs?: number;
}

/**
 * The refinement every fault schema ends with: a fault must do something, fail with its cloud's error
 * (`errorField`: AWS names a `code`, Graph and Google a `status`), delay, lose the write or lose the reply.
 */
export function doesSomething<K extends string>(errorField: K) {
  return [
    (f: Effects & { [key in K]?: unknown }) =>
      f[errorField] !== undefined ||
      f.latencyMs !== undefined ||
      f.lostWrite === true ||
      f.lostResponse === true ||
      f.replyDelayMs !== undefined,
    { message: `a fault needs a ${errorField}, latencyMs, lostWrite, lostResponse or replyDelayMs` },
  ] as const;
}
