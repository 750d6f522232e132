import type { logging_v2 } from '@googleapis/logging';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  dedupeFindings,
  mergeTimeline,
  type GcpFinding,
  type GcpSweepRequest,
  type ProviderSweep,
  type ProviderWatch,
  type TimelineEntry,
  type WatchedCredential,
  type WatchHit,
  type WatchRequest,
} from '../domain/sweep.js';
import { activityCancellation } from './cancellation.js';
import { InvalidRequestError, waitingOutThrottling } from './errors.js';
import { classifyGcpLoggingError } from './gcp-errors.js';

/**
 * The Google Cloud half of the sweep and the watch: one project's Cloud Audit Logs, read through Cloud Logging's
 * entries.list (@googleapis/logging). Admin Activity has what persists (CreateServiceAccountKey, SetIAMPolicy);
 * Data Access has the reads and GenerateAccessToken (when the project logs IAM's ADMIN_READ calls, which Google
 * leaves off by default). Needs logging.logEntries.list and logging.privateLogEntries.list on the project.
 */

/** What one project's sweep read and found. */
export type GcpSweep = Omit<ProviderSweep, 'findings'> & { provider: 'gcp'; findings: GcpFinding[] };

export interface AuditReading {
  /** Between two entries.list calls: Cloud Logging allows 60 a minute per project. */
  paceMs?: number;
  /** Entries a page (Cloud Logging answers at most 1000). */
  pageSize?: number;
  /** Pages per query before the reading stops and says it is incomplete. */
  maxPages?: number;
  /** Throttled reads retried in place, after Retry-After or a growing pause, before the activity fails retryably. */
  throttleRetries?: number;
  /** At most this many new keys and impersonated accounts are followed. */
  maxFollowed?: number;
}

const DEFAULTS = { paceMs: 1000, pageSize: 1000, maxPages: 20, throttleRetries: 4, maxFollowed: 20 };
/** Filters stay well under Cloud Logging's 20,000 characters: credentials are read in batches. */
const MAX_FILTER_CHARS = 15_000;

const ACTIVITY = 'cloudaudit.googleapis.com%2Factivity';
const DATA_ACCESS = 'cloudaudit.googleapis.com%2Fdata_access';
const IAM_KEY_PREFIX = '//iam.googleapis.com/';
/** Roles on a service account that let their member mint its credentials: what an attacker grants to come back. */
const IMPERSONATION_ROLES = new Set(['roles/iam.serviceAccountTokenCreator', 'roles/iam.serviceAccountKeyAdmin']);
const RPC_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

// The fields the sweep relies on, checked; everything else in an AuditLog is let through unread.
const Delegation = z.object({ firstPartyPrincipal: z.object({ principalEmail: z.string().optional() }).optional() });
const AuditEntry = z.object({
  insertId: z.string().min(1),
  timestamp: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a timestamp'),
  logName: z.string(),
  resource: z.object({ type: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }).optional(),
  protoPayload: z.object({
    methodName: z.string().min(1),
    serviceName: z.string().optional(),
    resourceName: z.string().optional(),
    status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
    authenticationInfo: z
      .object({
        principalEmail: z.string().optional(),
        serviceAccountKeyName: z.string().optional(),
        serviceAccountDelegationInfo: z.array(Delegation).optional(),
      })
      .optional(),
    request: z.record(z.string(), z.unknown()).optional(),
    response: z.record(z.string(), z.unknown()).optional(),
    serviceData: z.record(z.string(), z.unknown()).optional(),
  }),
});
type AuditEntry = z.infer<typeof AuditEntry>;

const BindingDelta = z.object({
  action: z.string(),
  role: z.string(),
  member: z.string(),
  condition: z
    .object({ title: z.string().optional(), expression: z.string().optional(), description: z.string().optional() })
    .optional(),
});
const PolicyDeltas = z.object({ policyDelta: z.object({ bindingDeltas: z.array(BindingDelta).optional() }) });

const quote = (value: string) => JSON.stringify(value);
const keyResource = (keyName: string) => `${IAM_KEY_PREFIX}${keyName.replace(/^\/\/iam\.googleapis\.com\//, '')}`;
const keyIdOf = (name: string) => name.split('/').pop() ?? name;
const refused = (entry: AuditEntry) => (entry.protoPayload.status?.code ?? 0) !== 0;
const delegatesOf = (entry: AuditEntry) =>
  (entry.protoPayload.authenticationInfo?.serviceAccountDelegationInfo ?? []).flatMap(
    (d) => d.firstPartyPrincipal?.principalEmail ?? [],
  );
const emailIn = (name: unknown) =>
  typeof name === 'string' ? /serviceAccounts\/([^/]+@[^/]+)/.exec(name)?.[1] : undefined;

/** The timeline entry of an audit log entry: by the key when one was used, else the principal. */
export function gcpTimelineEntry(entry: AuditEntry): TimelineEntry {
  const { protoPayload: p } = entry;
  const key = p.authenticationInfo?.serviceAccountKeyName;
  const code = p.status?.code ?? 0;
  return {
    at: new Date(entry.timestamp).toISOString(),
    provider: 'gcp',
    action: p.methodName.slice(0, 200),
    by: (key ? keyIdOf(key) : (p.authenticationInfo?.principalEmail ?? 'unknown')).slice(0, 300),
    ...(p.resourceName ? { target: p.resourceName.slice(0, 500) } : {}),
    ...(code !== 0 ? { error: (p.status?.message || RPC_NAMES[code] || `code ${code}`).slice(0, 200) } : {}),
    // GenerateAccessToken is a Data Access entry (ADMIN_READ) that mints a credential: not a read.
    readOnly: entry.logName.endsWith(DATA_ACCESS) && p.methodName !== 'GenerateAccessToken',
    eventId: entry.insertId,
  };
}

/** What an audit log entry left behind, if anything: a refused call leaves nothing. */
export function gcpFindingsOf(entry: AuditEntry, projectId: string): GcpFinding[] {
  if (refused(entry)) return [];
  const { protoPayload: p, resource } = entry;
  const from = gcpTimelineEntry(entry);
  const labels = resource?.labels ?? {};
  const project = labels['project_id'] ?? projectId;
  const base = { provider: 'gcp' as const, projectId: project, from };
  switch (p.methodName) {
    case 'google.iam.admin.v1.CreateServiceAccountKey': {
      const keyName = p.response?.['name'];
      if (typeof keyName !== 'string') return [];
      const email = labels['email_id'] ?? emailIn(keyName);
      const keyProject = /^projects\/([^/]+)\//.exec(keyName)?.[1];
      return email
        ? [{ ...base, ...(keyProject ? { projectId: keyProject } : {}), kind: 'gcp.key', email, keyName }]
        : [];
    }
    case 'google.iam.admin.v1.SetIAMPolicy': {
      const email = labels['email_id'] ?? emailIn(p.request?.['resource']);
      const deltas = PolicyDeltas.safeParse(p.serviceData);
      if (!email || !deltas.success) return [];
      return (deltas.data.policyDelta.bindingDeltas ?? [])
        .filter((d) => d.action === 'ADD' && IMPERSONATION_ROLES.has(d.role))
        .map((d) => ({
          ...base,
          kind: 'gcp.token-creator' as const,
          email,
          member: d.member,
          role: d.role,
          ...(d.condition?.expression
            ? {
                condition: {
                  title: d.condition.title ?? '',
                  expression: d.condition.expression,
                  ...(d.condition.description ? { description: d.condition.description } : {}),
                },
              }
            : {}),
        }));
    }
    case 'GenerateAccessToken': {
      const email = labels['email_id'] ?? emailIn(p.request?.['name']);
      return email ? [{ ...base, kind: 'gcp.access-token', email }] : [];
    }
    default:
      return [];
  }
}

/** One project's audit logs over a window, read by filter clauses: every page, paced, throttles retried in place. */
function auditReader(
  logging: logging_v2.Logging,
  projectId: string,
  window: { since: string; until?: string | undefined },
  reading: AuditReading,
) {
  const { paceMs, pageSize, maxPages, throttleRetries } = { ...DEFAULTS, ...reading };
  const since = Date.parse(window.since);
  const until = window.until === undefined ? undefined : Date.parse(window.until);
  if (Number.isNaN(since) || (until !== undefined && Number.isNaN(until))) {
    throw new InvalidRequestError(`the audit log window is not a time: ${window.since} – ${window.until ?? 'now'}`);
  }
  const logs = `logName=(${quote(`projects/${projectId}/logs/${ACTIVITY}`)} OR ${quote(`projects/${projectId}/logs/${DATA_ACCESS}`)})`;
  const times = `timestamp>=${quote(new Date(since).toISOString())}${until === undefined ? '' : ` timestamp<=${quote(new Date(until).toISOString())}`}`;
  let lookups = 0;
  let last = 0;
  let skipped = 0;
  let incomplete: string | undefined;

  // Another reader in the project shares the quota: wait (as told, else longer each time) a few times.
  const page = (filter: string, pageToken: string | undefined) =>
    waitingOutThrottling(
      async () => {
        const wait = last + paceMs - Date.now();
        if (wait > 0) await sleep(wait);
        last = Date.now();
        const signal = activityCancellation();
        const { data } = await logging.entries.list(
          {
            requestBody: {
              resourceNames: [`projects/${projectId}`],
              filter,
              orderBy: 'timestamp asc',
              pageSize,
              ...(pageToken ? { pageToken } : {}),
            },
          },
          signal ? { signal } : {},
        );
        lookups += 1;
        return data;
      },
      {
        retries: throttleRetries,
        backoffMs: (attempt) => paceMs * 2 ** (attempt + 1),
        classify: classifyGcpLoggingError,
      },
    );

  /** Every entry matching one of `clauses` (each a filter term), in batches that keep the filter short. */
  const read = async (clauses: string[]): Promise<AuditEntry[]> => {
    const batches: string[][] = [];
    for (const clause of [...new Set(clauses)]) {
      const batch = batches.at(-1);
      if (batch && [...batch, clause].join(' OR ').length < MAX_FILTER_CHARS) batch.push(clause);
      else batches.push([clause]);
    }
    const entries: AuditEntry[] = [];
    for (const batch of batches) {
      const filter = `${logs} ${times} (${batch.join(' OR ')})`;
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const data = await page(filter, pageToken);
        pages += 1;
        for (const raw of data.entries ?? []) {
          const parsed = AuditEntry.safeParse(raw);
          if (parsed.success) entries.push(parsed.data);
          else skipped += 1;
        }
        pageToken = data.nextPageToken ?? undefined;
      } while (pageToken && pages < maxPages);
      if (pageToken) {
        incomplete ??= `the audit log of ${projectId} has more than ${maxPages} pages for one query: only the first ${maxPages * pageSize} entries were read`;
      }
    }
    return entries;
  };

  return {
    read,
    lookups: () => lookups,
    incomplete: () =>
      incomplete ?? (skipped > 0 ? `${skipped} entries were not audit log entries and were skipped` : undefined),
  };
}

const byPrincipal = (email: string) => `protoPayload.authenticationInfo.principalEmail=${quote(email)}`;
const byKey = (keyName: string) =>
  `protoPayload.authenticationInfo.serviceAccountKeyName=${quote(keyResource(keyName))}`;
const byDelegate = (email: string) =>
  `protoPayload.authenticationInfo.serviceAccountDelegationInfo.firstPartyPrincipal.principalEmail=${quote(email)}`;

/**
 * Reads what the incident's service accounts and keys did in one project: every entry whose principal is one of
 * the accounts or that used one of the keys, every page; then, one level further, what the keys they created did
 * and what was done with the tokens they minted for other accounts (calls as that account delegated by the
 * minter), since those are the attacker's too. Each entry once, oldest first; the findings are what persists.
 */
export async function readGcpAudit(
  logging: logging_v2.Logging,
  request: GcpSweepRequest,
  reading: AuditReading = {},
): Promise<GcpSweep> {
  const { maxFollowed } = { ...DEFAULTS, ...reading };
  const reader = auditReader(logging, request.projectId, request, reading);
  const clauses = [...request.emails.map(byPrincipal), ...request.keyNames.map(byKey)];
  const entries = clauses.length ? await reader.read(clauses) : [];
  const found = entries.flatMap((entry) => gcpFindingsOf(entry, request.projectId));

  const knownKeys = new Set(request.keyNames.map(keyResource));
  const follow: string[] = [];
  for (const finding of found) {
    if (finding.kind === 'gcp.key' && finding.keyName && !knownKeys.has(keyResource(finding.keyName))) {
      knownKeys.add(keyResource(finding.keyName));
      follow.push(byKey(finding.keyName));
    }
  }
  // A token minted for another account acts as that account, with the minter in its delegation chain.
  for (const entry of entries) {
    if (entry.protoPayload.methodName !== 'GenerateAccessToken' || refused(entry)) continue;
    const minter = entry.protoPayload.authenticationInfo?.principalEmail;
    const target = gcpFindingsOf(entry, request.projectId)[0]?.email;
    if (minter && target) follow.push(`(${byPrincipal(target)} ${byDelegate(minter)})`);
  }
  const unique = [...new Set(follow)];
  const followed = unique.slice(0, maxFollowed);
  if (followed.length) entries.push(...(await reader.read(followed)));

  const seen = new Map<string, AuditEntry>();
  for (const entry of entries) if (!seen.has(entry.insertId)) seen.set(entry.insertId, entry);
  const ordered = [...seen.values()].sort(
    (a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.insertId.localeCompare(b.insertId),
  );
  const skippedFollow =
    unique.length > followed.length
      ? `${unique.length - followed.length} more keys or impersonations were found than the sweep follows (${maxFollowed})`
      : undefined;
  const incomplete = reader.incomplete() ?? skippedFollow;
  return {
    provider: 'gcp',
    scope: request.projectId,
    timeline: mergeTimeline(ordered.map(gcpTimelineEntry)),
    findings: dedupeFindings(ordered.flatMap((entry) => gcpFindingsOf(entry, request.projectId))),
    lookups: reader.lookups(),
    ...(incomplete ? { incomplete } : {}),
  };
}

/** Whether an entry was made with a watched credential: the key it used, or the account (itself or delegating). */
function madeWith(entry: AuditEntry, credential: WatchedCredential): boolean {
  const auth = entry.protoPayload.authenticationInfo;
  if (credential.kind === 'key') return auth?.serviceAccountKeyName === keyResource(credential.id);
  if (credential.kind === 'serviceAccount') {
    return auth?.principalEmail === credential.id || delegatesOf(entry).includes(credential.id);
  }
  return false;
}

/**
 * What the watched credentials did in one project since the cut-off: calls made with a watched key, by a watched
 * account, or with a token a watched account minted (its delegation chain names it). A call Google refused (a
 * nonzero status: a removed grant, a denied permission) is an attempt. A call made with a disabled key or as a
 * disabled account never authenticates and Cloud Audit Logs do not record it: for those, silence is what
 * containment looks like; a token minted before the cut-off and used after is what the watch is for.
 */
export async function watchGcp(
  logging: logging_v2.Logging,
  request: WatchRequest,
  reading: AuditReading = {},
): Promise<ProviderWatch> {
  const credentials = request.credentials.filter(
    (c) => c.provider === 'gcp' && c.scope === request.scope && (c.kind === 'key' || c.kind === 'serviceAccount'),
  );
  const reader = auditReader(logging, request.scope, request, reading);
  const clauses = credentials.map((c) =>
    c.kind === 'key' ? byKey(c.id) : `(${byPrincipal(c.id)} OR ${byDelegate(c.id)})`,
  );
  const entries = clauses.length ? await reader.read(clauses) : [];
  const hits: WatchHit[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    for (const credential of credentials) {
      const key = `${entry.insertId}|${credential.kind}|${credential.id}`;
      if (seen.has(key) || !madeWith(entry, credential)) continue;
      seen.add(key);
      hits.push({ credential, entry: gcpTimelineEntry(entry), refused: refused(entry) });
    }
  }
  hits.sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at));
  const incomplete = reader.incomplete();
  return {
    provider: 'gcp',
    scope: request.scope,
    hits,
    lookups: reader.lookups(),
    ...(incomplete ? { incomplete } : {}),
  };
}
