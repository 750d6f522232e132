import { z } from 'zod';
import { faultError, type AwsError, type AwsService } from './errors.js';

export type AwsFaultCode =
  | 'Throttling'
  | 'ServiceFailure'
  | 'InternalFailure'
  | 'ServiceUnavailable'
  | 'AccessDenied'
  | 'LimitExceeded'
  | 'EntityTemporarilyUnmodifiable'
  | 'ConcurrentModification'
  | 'NoSuchEntity'
  | 'InvalidClientTokenId'
  | 'ExpiredToken';

export interface AwsFault {
  /** `UpdateAccessKey` or `iam:UpdateAccessKey`; omitted = any action (S3 ListBuckets is `ListBuckets`). */
  action?: string;
  /** Omit for a latency-only fault. Unlisted codes are sent as-is with HTTP 400. */
  code?: AwsFaultCode | (string & {});
  message?: string;
  /** How many matching calls the fault affects; default 1. */
  times?: number;
  latencyMs?: number;
}

export const awsFaultSchema = z
  .object({
    action: z.string().min(1).optional(),
    code: z.string().min(1).optional(),
    message: z.string().optional(),
    times: z.number().int().min(1).optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
  })
  .refine((f) => f.code !== undefined || f.latencyMs !== undefined, { message: 'a fault needs a code or latencyMs' });

export interface FaultOutcome {
  readonly latencyMs: number;
  readonly error?: AwsError;
}

interface ArmedFault {
  readonly fault: AwsFault;
  remaining: number;
}

function matches(fault: AwsFault, service: AwsService, action: string): boolean {
  if (fault.action === undefined) return true;
  const wanted = fault.action.toLowerCase();
  return wanted.includes(':') ? wanted === `${service}:${action}`.toLowerCase() : wanted === action.toLowerCase();
}

/** FIFO of armed faults; each matching call consumes one use of the first matching fault. */
export class FaultQueue {
  private armed: ArmedFault[] = [];

  inject(fault: AwsFault): void {
    const parsed = awsFaultSchema.parse(fault);
    this.armed.push({ fault: parsed, remaining: parsed.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  pending(): { fault: AwsFault; remaining: number }[] {
    return this.armed.map((a) => ({ fault: { ...a.fault }, remaining: a.remaining }));
  }

  take(service: AwsService, action: string): FaultOutcome | undefined {
    const index = this.armed.findIndex((a) => matches(a.fault, service, action));
    const armed = this.armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    const { code, message, latencyMs } = armed.fault;
    return { latencyMs: latencyMs ?? 0, ...(code === undefined ? {} : { error: faultError(code, message) }) };
  }
}
