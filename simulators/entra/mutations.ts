import { countBy, MutationLog as WriteLog, type MutationLogSummary } from '../shared/mutation-log.js';

export type EntraOperation =
  | 'revokeSignInSessions'
  | 'updateUser'
  | 'removePassword'
  | 'removeKey'
  | 'updateServicePrincipal'
  | 'deleteOauth2PermissionGrant'
  | 'deleteAppRoleAssignment'
  | 'addPassword'
  | 'updateApplication'
  | 'addFederatedIdentityCredential'
  | 'deleteFederatedIdentityCredential'
  | 'createAppRoleAssignment'
  | 'createOauth2PermissionGrant';

export interface MutationEntry {
  /** The tenant whose directory changed (the caller's token `tid`). */
  readonly tenantId: string;
  readonly operation: EntraOperation;
  /** Object id of the user, service principal, application, grant or assignment acted on. */
  readonly target: string;
  readonly at: string;
  /** e.g. `accountEnabled=false`, `keyId=…`. */
  readonly detail?: string;
}

export interface TokenEntry {
  /** The tenant the token endpoint path named; null when it named none served here (AADSTS90002). */
  readonly tenantId: string | null;
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

export interface MutationSummary extends MutationLogSummary<MutationEntry> {
  /** Token endpoint activity, counted apart from directory changes. */
  tokens: TokenSummary;
}

/**
 * Successful Graph writes (every 2xx write call, even one that changed nothing, so tests can assert that an
 * idempotent activity did not call twice), plus token endpoint outcomes. Faulted calls are never recorded.
 */
export class MutationLog {
  /** One write log per tenant, made on first write. */
  private readonly writes = new Map<string, WriteLog<MutationEntry>>();
  private tokenEntries: TokenEntry[] = [];

  constructor(private readonly primaryTenantId: () => string) {}

  record(entry: MutationEntry): void {
    let log = this.writes.get(entry.tenantId);
    if (!log) {
      log = new WriteLog<MutationEntry>((e) => e.operation);
      this.writes.set(entry.tenantId, log);
    }
    log.record(entry);
  }

  recordToken(entry: TokenEntry): void {
    this.tokenEntries.push(entry);
  }

  clear(): void {
    this.writes.clear();
    this.tokenEntries = [];
  }

  /**
   * One tenant's writes and token requests (default the primary tenant, which also counts token requests for a
   * tenant not served here).
   */
  summary(tenantId = this.primaryTenantId()): MutationSummary {
    const primary = tenantId === this.primaryTenantId();
    const mine = this.tokenEntries.filter((e) => e.tenantId === tenantId || (primary && e.tenantId === null));
    const issued = mine.filter((entry) => entry.outcome === 'issued');
    const refused = mine.filter((entry) => entry.outcome !== 'issued');
    return {
      ...(this.writes.get(tenantId) ?? new WriteLog<MutationEntry>((e) => e.operation)).summary(),
      tokens: {
        issued: countBy(issued, (entry) => entry.grantType),
        refused: countBy(refused, (entry) => entry.outcome),
        log: mine.map((entry) => ({ ...entry })),
      },
    };
  }
}
