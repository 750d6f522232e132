export interface MutationEntry {
  readonly action: string;
  /** Access key id, `user/<name>/<policy>`, `role/<name>/<policy>`, `user/<name>` or the issued session's ARN. */
  readonly target: string;
  readonly at: string;
  /** e.g. the new status for UpdateAccessKey. */
  readonly detail?: string;
}

export interface MutationSummary {
  counts: Record<string, number>;
  log: MutationEntry[];
}

/** Successful state changes only, so tests can assert exactly-once effects under retries and faults. */
export class MutationLog {
  private entries: MutationEntry[] = [];

  record(entry: MutationEntry): void {
    this.entries.push(entry);
  }

  clear(): void {
    this.entries = [];
  }

  summary(): MutationSummary {
    const counts: Record<string, number> = {};
    for (const entry of this.entries) counts[entry.action] = (counts[entry.action] ?? 0) + 1;
    return { counts, log: this.entries.map((entry) => ({ ...entry })) };
  }
}
