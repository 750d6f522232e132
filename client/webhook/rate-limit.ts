/** A burst of `burst` requests, then `perSecond` on average. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

/**
 * A token bucket: each request takes a token; tokens come back at `perSecond` up to `burst`. A SIEM
 * told to wait (429 with Retry-After) keeps the alert and sends it again, so nothing is lost.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.burst >= 1 && limit.perSecond > 0)) throw new Error('a rate limit needs burst ≥ 1 and perSecond > 0');
    this.tokens = limit.burst;
    this.last = now();
  }

  /** Takes a token: undefined when one was free, else the whole seconds until one will be. */
  take(): number | undefined {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.limit.perSecond));
  }
}
