export interface MutationEntry {
  /** `serviceAccounts.disable`, `serviceAccounts.enable`, `keys.disable`, `keys.enable` or `keys.delete`. */
  readonly operation: string;
  /** The canonical resource name (`projects/{projectId}/serviceAccounts/{email}[/keys/{keyId}]`). */
  readonly target: string;
  readonly at: string;
}

export interface MutationSummary {
  counts: Record<string, number>;
  log: MutationEntry[];
}

/**
 * Successful state-changing calls only (repeats included: disabling a disabled key counts again), so tests can
 * assert exactly-once effects under retries and faults. Faulted and refused calls are not recorded.
 */
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
    for (const entry of this.entries) counts[entry.operation] = (counts[entry.operation] ?? 0) + 1;
    return { counts, log: this.entries.map((entry) => ({ ...entry })) };
  }
}
