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
