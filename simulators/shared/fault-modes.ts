import { z } from 'zod';

/** The transient faults real clouds give, drawn at random by the probabilistic mode. */
export const TRANSIENT_FAULT_KINDS = ['throttle', 'unavailable', 'latency', 'lostWrite', 'lostResponse'] as const;
export type TransientFaultKind = (typeof TRANSIENT_FAULT_KINDS)[number];

/** Only a call that changes something can lose its write or its reply after committing. */
const MUTATING_ONLY: ReadonlySet<TransientFaultKind> = new Set(['lostWrite', 'lostResponse']);

export const randomFaultsSchema = z
  .object({
    /** The share of calls that fault, 0..1. */
    rate: z.number().min(0).max(1),
    /** The same seed gives the same sequence of faults for the same sequence of calls. */
    seed: z.number().int(),
    /** Default: all of them. */
    kinds: z.array(z.enum(TRANSIENT_FAULT_KINDS)).min(1).optional(),
    /** For `latency`; default 300. */
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /** Sent as Retry-After with `throttle` (and `unavailable` where the cloud sends one); default 1. */
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict();
export type RandomFaults = z.infer<typeof randomFaultsSchema>;

/**
 * The modes POST /_sim/faults also accepts, besides one-shot faults: `propagationMs` (eventual consistency: a
 * change is seen by reads, and by the credentials it revokes, only that long after it committed; 0 = at once) and
 * `random` (a seeded share of transient faults over every call; null turns it off). DELETE /_sim/faults ends both.
 */
export const faultModesSchema = z
  .object({
    propagationMs: z.number().int().min(0).max(600_000).optional(),
    random: randomFaultsSchema.nullable().optional(),
  })
  .strict()
  .refine((m) => m.propagationMs !== undefined || m.random !== undefined, {
    message: 'a mode needs propagationMs or random',
  });
export type FaultModesInput = z.infer<typeof faultModesSchema>;

/** mulberry32: small, fast and good enough to make a fault sequence reproducible from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Change {
  /** The state as it was before the change, which reads keep seeing until `visibleAt`. */
  readonly before: unknown;
  readonly visibleAt: number;
}

/**
 * The fault modes one simulator is in: eventual consistency (reads see a lagging copy of the state) and a seeded
 * probabilistic mix of transient faults. Wall-clock based, since propagation is real time even under a simulated
 * clock.
 */
export class FaultModes {
  private propagationMs = 0;
  private random: (RandomFaults & { next: () => number }) | undefined;
  private changes: Change[] = [];
  private drawn: Record<TransientFaultKind, number> = emptyCounts();

  set(input: FaultModesInput): void {
    if (input.propagationMs !== undefined) {
      this.propagationMs = input.propagationMs;
      if (this.propagationMs === 0) this.changes = [];
    }
    if (input.random === null) this.random = undefined;
    else if (input.random !== undefined) this.random = { ...input.random, next: mulberry32(input.random.seed) };
  }

  clear(): void {
    this.propagationMs = 0;
    this.random = undefined;
    this.changes = [];
    this.drawn = emptyCounts();
  }

  /** The modes in force, and how many faults of each kind the random mode has drawn. */
  describe(): { propagationMs: number; random: RandomFaults | null; drawn: Record<TransientFaultKind, number> } {
    const random = this.random && (({ next: _next, ...rest }) => rest)(this.random);
    return { propagationMs: this.propagationMs, random: random ?? null, drawn: { ...this.drawn } };
  }

  get propagating(): boolean {
    return this.propagationMs > 0;
  }

  /**
   * Call with a copy of the state taken before a call that changed it: reads see that copy until the change
   * propagates. Changes become visible in the order they were made.
   */
  changed(before: unknown): void {
    if (this.propagationMs > 0) this.changes.push({ before, visibleAt: Date.now() + this.propagationMs });
  }

  /** The state reads see: `current`, or the copy from before the oldest change not yet visible. */
  view<State>(current: State): State {
    const now = Date.now();
    while (this.changes[0] && this.changes[0].visibleAt <= now) this.changes.shift();
    return (this.changes[0]?.before as State | undefined) ?? current;
  }

  /** Draws this call's transient fault, if the random mode is on and the call draws one. */
  draw(mutating: boolean): TransientFaultKind | undefined {
    const random = this.random;
    if (!random || random.next() >= random.rate) return undefined;
    const kinds = (random.kinds ?? TRANSIENT_FAULT_KINDS).filter((k) => mutating || !MUTATING_ONLY.has(k));
    if (kinds.length === 0) return undefined;
    const kind = kinds[Math.floor(random.next() * kinds.length)] as TransientFaultKind;
    this.drawn[kind] += 1;
    return kind;
  }

  /**
   * This call's draw as a fault of the cloud's own kind: `errors` says how the cloud shows throttling and
   * unavailability (with the mode's Retry-After where it sends one); latency, lost writes and lost replies are alike.
   */
  drawFault<F extends object>(
    mutating: boolean,
    errors: { throttle: F; unavailable: F },
  ): F | { latencyMs: number } | { lostWrite: true } | { lostResponse: true } | undefined {
    const kind = this.draw(mutating);
    if (kind === 'throttle' || kind === 'unavailable') return errors[kind];
    if (kind === 'latency') return { latencyMs: this.latencyMs };
    if (kind === 'lostWrite') return { lostWrite: true };
    if (kind === 'lostResponse') return { lostResponse: true };
    return undefined;
  }

  get latencyMs(): number {
    return this.random?.latencyMs ?? 300;
  }

  get retryAfterSeconds(): number {
    return this.random?.retryAfterSeconds ?? 1;
  }
}

function emptyCounts(): Record<TransientFaultKind, number> {
  return { throttle: 0, unavailable: 0, latency: 0, lostWrite: 0, lostResponse: 0 };
}
