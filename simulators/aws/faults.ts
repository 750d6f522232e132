import { z } from 'zod';
import { doesSomething, faultEffectFields } from '../shared/fault-fields.js';
import { FaultModes } from '../shared/fault-modes.js';
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
  /**
   * Only calls made in this account (the one the caller's credentials belong to: a hub's AssumeRole is made in
   * the hub's); omitted = any account.
   */
  account?: string;
  /** Omit for a latency-only fault. Unlisted codes are sent as-is with HTTP 400. */
  code?: AwsFaultCode | (string & {});
  message?: string;
  /** How many matching calls the fault affects; default 1. */
  times?: number;
  latencyMs?: number;
  /** A mutating call answers success but changes nothing: a lost write, so verification must catch it. */
  lostWrite?: boolean;
  /** The change commits, then the connection is reset before the reply: the caller cannot know it landed. */
  lostResponse?: boolean;
  /** The change commits, then the reply waits this long (past the client's timeout, to lose it that way). */
  replyDelayMs?: number;
}

export const awsFaultSchema = z
  .object({
    ...faultEffectFields,
    action: z.string().min(1).optional(),
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    code: z.string().min(1).optional(),
    message: z.string().optional(),
  })
  .refine(...doesSomething('code'));

export interface FaultOutcome {
  readonly latencyMs: number;
  readonly error?: AwsError;
  readonly lostWrite?: boolean;
  readonly lostResponse?: boolean;
  readonly replyDelayMs?: number;
}

interface ArmedFault {
  readonly fault: AwsFault;
  remaining: number;
}

function matches(fault: AwsFault, service: AwsService, action: string, accountId: string): boolean {
  if (fault.account !== undefined && fault.account !== accountId) return false;
  if (fault.action === undefined) return true;
  const wanted = fault.action.toLowerCase();
  return wanted.includes(':') ? wanted === `${service}:${action}`.toLowerCase() : wanted === action.toLowerCase();
}

/** FIFO of armed faults; each matching call consumes one use of the first matching fault. */
export class FaultQueue {
  private armed: ArmedFault[] = [];
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts). */
  readonly modes = new FaultModes();

  inject(fault: AwsFault): void {
    const parsed = awsFaultSchema.parse(fault);
    this.armed.push({ fault: parsed, remaining: parsed.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
    this.modes.clear();
  }

  pending(): { fault: AwsFault; remaining: number }[] {
    return this.armed.map((a) => ({ fault: { ...a.fault }, remaining: a.remaining }));
  }

  take(service: AwsService, action: string, accountId: string): FaultOutcome | undefined {
    const index = this.armed.findIndex((a) => matches(a.fault, service, action, accountId));
    const armed = this.armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    return outcomeOf(armed.fault);
  }

  /**
   * The probabilistic mode's draw for this call, as AWS shows each kind: Throttling (400 "Rate exceeded"; the
   * Query protocol sends no Retry-After), ServiceUnavailable (503), latency, a lost write, a lost reply.
   */
  random(mutating: boolean): FaultOutcome | undefined {
    const fault = this.modes.drawFault<AwsFault>(mutating, {
      throttle: { code: 'Throttling' },
      unavailable: { code: 'ServiceUnavailable' },
    });
    return fault && outcomeOf(fault);
  }
}

function outcomeOf(fault: AwsFault): FaultOutcome {
  const { code, message, latencyMs, lostWrite, lostResponse, replyDelayMs } = fault;
  return {
    latencyMs: latencyMs ?? 0,
    ...(code === undefined ? {} : { error: faultError(code, message) }),
    ...(lostWrite ? { lostWrite } : {}),
    ...(lostResponse ? { lostResponse } : {}),
    ...(replyDelayMs === undefined ? {} : { replyDelayMs }),
  };
}
