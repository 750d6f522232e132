import { countBy, MutationLog as WriteLog, type MutationLogSummary } from '../shared/mutation-log.js';

/**
 * A successful Directory write (repeats included: signing out a signed-out user counts again); faulted and refused
 * calls are never recorded, nor are lost writes.
 */
export interface MutationEntry {
  /** `users.update`, `users.patch`, `users.signOut` or `tokens.delete`. */
  readonly operation: string;
  /** The user's primary email (whatever userKey the call used). */
  readonly target: string;
  readonly userId: string;
  /** tokens.delete: the app's client id. */
  readonly clientId?: string;
  /** users.update/patch: what changed, e.g. `suspended=true`. */
  readonly detail?: string;
  readonly at: string;
}

export interface TokenEntry {
  /** The service account the assertion's `iss` named ('' when it named none). */
  readonly serviceAccount: string;
  /** The user impersonated (`sub`), if any. */
  readonly subject?: string;
  readonly scopes: string[];
  /** `issued`, or the OAuth error code (`unauthorized_client`, `invalid_grant`, …). */
  readonly outcome: string;
  readonly at: string;
}

export interface TokenSummary {
  /** Tokens issued, by subject (the service account's email when it impersonated nobody). */
  issued: Record<string, number>;
  /** Token requests refused, by OAuth error code. */
  refused: Record<string, number>;
  log: TokenEntry[];
}

export interface MutationSummary extends MutationLogSummary<MutationEntry> {
  /** Token endpoint activity, counted apart from directory changes. */
  tokens: TokenSummary;
}

export class MutationLog {
  private readonly writes = new WriteLog<MutationEntry>((entry) => entry.operation);
  private tokenEntries: TokenEntry[] = [];

  record(entry: MutationEntry): void {
    this.writes.record(entry);
  }

  recordToken(entry: TokenEntry): void {
    this.tokenEntries.push(entry);
  }

  clear(): void {
    this.writes.clear();
    this.tokenEntries = [];
  }

  summary(): MutationSummary {
    const issued = this.tokenEntries.filter((entry) => entry.outcome === 'issued');
    const refused = this.tokenEntries.filter((entry) => entry.outcome !== 'issued');
    return {
      ...this.writes.summary(),
      tokens: {
        issued: countBy(issued, (entry) => entry.subject ?? entry.serviceAccount),
        refused: countBy(refused, (entry) => entry.outcome),
        log: this.tokenEntries.map((entry) => ({ ...entry, scopes: [...entry.scopes] })),
      },
    };
  }
}
