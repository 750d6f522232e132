export interface MutationLogSummary<Entry> {
  counts: Record<string, number>;
  log: Entry[];
}

export function countBy<Entry>(entries: readonly Entry[], keyOf: (entry: Entry) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of entries) counts[keyOf(entry)] = (counts[keyOf(entry)] ?? 0) + 1;
  return counts;
}

/** Successful state changes only, so tests can assert exactly-once effects under retries and faults. */
export class MutationLog<Entry extends object> {
  private entries: Entry[] = [];

  /** @param keyOf what `counts` is keyed by (the action or operation name). */
  constructor(private readonly keyOf: (entry: Entry) => string) {}

  record(entry: Entry): void {
    this.entries.push(entry);
  }

  clear(): void {
    this.entries = [];
  }

  summary(): MutationLogSummary<Entry> {
    // Copies, so a caller holding a summary cannot rewrite the log.
    return { counts: countBy(this.entries, this.keyOf), log: this.entries.map((entry) => ({ ...entry })) };
  }
}

/**
 * The mutation log of a simulator serving several scopes (AWS accounts, Google Cloud projects) on one endpoint:
 * each entry names its scope, and a test asks what changed in one of them.
 */
export class ScopedMutationLog<Entry extends object> {
  private readonly log: MutationLog<Entry>;

  /** @param keyOf what `counts` is keyed by; @param scopeOf the account or project an entry changed. */
  constructor(
    private readonly keyOf: (entry: Entry) => string,
    private readonly scopeOf: (entry: Entry) => string,
  ) {
    this.log = new MutationLog(keyOf);
  }

  record(entry: Entry): void {
    this.log.record(entry);
  }

  clear(): void {
    this.log.clear();
  }

  /** One scope's changes; `'all'` for every scope's. */
  summary(scope: string): MutationLogSummary<Entry> {
    const { log } = this.log.summary();
    const mine = scope === 'all' ? log : log.filter((entry) => this.scopeOf(entry) === scope);
    return { counts: countBy(mine, this.keyOf), log: mine };
  }
}
