export type EntraOperation =
  | 'revokeSignInSessions'
  | 'updateUser'
  | 'removePassword'
  | 'removeKey'
  | 'updateServicePrincipal'
  | 'deleteOauth2PermissionGrant'
  | 'deleteAppRoleAssignment';

export interface MutationEntry {
  readonly operation: EntraOperation;
  /** Object id of the user, service principal, grant or assignment acted on. */
  readonly target: string;
  readonly at: string;
  /** e.g. `accountEnabled=false`, `keyId=…`. */
  readonly detail?: string;
}

export interface TokenEntry {
  readonly grantType: string;
  /** appId as sent in client_id ('' when missing). */
  readonly clientId: string;
  /** `issued`, or the refusal's AADSTS code (e.g. `AADSTS7000215`). */
  readonly outcome: string;
  readonly at: string;
  /** Object id of the SP (app-only) or user (delegated) the token is for. */
  readonly subject?: string;
}

export interface TokenSummary {
  /** Tokens issued per grant type. */
  issued: Record<string, number>;
  /** Token requests refused, per AADSTS code. */
  refused: Record<string, number>;
  log: TokenEntry[];
}

export interface MutationSummary {
  counts: Record<string, number>;
  log: MutationEntry[];
  /** Token endpoint activity, counted apart from directory changes. */
  tokens: TokenSummary;
}

/**
 * Successful Graph writes (every 2xx write call, even one that changed nothing, so tests can assert that an
 * idempotent activity did not call twice), plus token endpoint outcomes. Faulted calls are never recorded.
 */
export class MutationLog {
  private entries: MutationEntry[] = [];
  private tokenEntries: TokenEntry[] = [];

  record(entry: MutationEntry): void {
    this.entries.push(entry);
  }

  recordToken(entry: TokenEntry): void {
    this.tokenEntries.push(entry);
  }

  clear(): void {
    this.entries = [];
    this.tokenEntries = [];
  }

  summary(): MutationSummary {
    const counts: Record<string, number> = {};
    for (const entry of this.entries) counts[entry.operation] = (counts[entry.operation] ?? 0) + 1;
    const issued: Record<string, number> = {};
    const refused: Record<string, number> = {};
    for (const entry of this.tokenEntries) {
      if (entry.outcome === 'issued') issued[entry.grantType] = (issued[entry.grantType] ?? 0) + 1;
      else refused[entry.outcome] = (refused[entry.outcome] ?? 0) + 1;
    }
    return {
      counts,
      log: this.entries.map((entry) => ({ ...entry })),
      tokens: { issued, refused, log: this.tokenEntries.map((entry) => ({ ...entry })) },
    };
  }
}
