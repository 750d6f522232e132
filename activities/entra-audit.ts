// The Entra half of the sweep and the watch (issue 16): what the incident's apps and users did in one tenant, read
// from Entra's own logs through Microsoft Graph — auditLogs/directoryAudits (every change a caller made) and
// auditLogs/signIns (every token it got or was refused). Service principal and non-interactive user sign-ins are
// served by Graph's beta endpoint only ("signInEventTypes" is not on v1.0's signIn), so those reads go there.
import { z } from 'zod';
import {
  dedupeFindings,
  mergeTimeline,
  type EntraFinding,
  type EntraSweepRequest,
  type ProviderSweep,
  type ProviderWatch,
  type TimelineEntry,
  type WatchedCredential,
  type WatchHit,
  type WatchRequest,
} from '../domain/sweep.js';
import { InvalidRequestError, TargetNotFoundError, waitingOutThrottling } from './errors.js';
import type { GraphClient } from './graph-client.js';

export type { EntraSweepRequest } from '../domain/sweep.js';

/** What one tenant's sweep read and found. */
export type EntraSweep = Omit<ProviderSweep, 'findings'> & { provider: 'entra'; findings: EntraFinding[] };

export interface AuditReading {
  /** `$top` of each page (Graph serves at most 1,000). */
  pageSize?: number;
  /** At most this many pages per query; more is reported as `incomplete`. */
  maxPages?: number;
  /** At most this many apps are read (the incident's, then the ones their calls gave a way in). */
  maxApps?: number;
  /** Throttled pages retried in place, honouring Retry-After, before the activity fails retryably. */
  throttleRetries?: number;
  /** A longer Retry-After than this goes back to Temporal's retry policy instead of being waited out here. */
  maxRetryAfterMs?: number;
}

const DEFAULTS = { pageSize: 500, maxPages: 20, maxApps: 20, throttleRetries: 4, maxRetryAfterMs: 30_000 };

// The fields the sweep relies on, checked; the rest passes through unread.
const ModifiedProperty = z.object({
  displayName: z.string().nullable().optional(),
  oldValue: z.string().nullable().optional(),
  newValue: z.string().nullable().optional(),
});
const DirectoryAudit = z.object({
  id: z.string().min(1),
  activityDisplayName: z.string().min(1),
  activityDateTime: z.string().min(1),
  result: z.string().nullable().optional(),
  resultReason: z.string().nullable().optional(),
  initiatedBy: z
    .object({
      app: z
        .object({ appId: z.string().nullable().optional(), servicePrincipalId: z.string().nullable().optional() })
        .loose()
        .nullable()
        .optional(),
      user: z
        .object({ id: z.string().nullable().optional(), userPrincipalName: z.string().nullable().optional() })
        .loose()
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
  targetResources: z
    .array(
      z
        .object({
          id: z.string().nullable().optional(),
          displayName: z.string().nullable().optional(),
          type: z.string().nullable().optional(),
          modifiedProperties: z.array(ModifiedProperty).nullable().optional(),
        })
        .loose(),
    )
    .nullable()
    .optional(),
  additionalDetails: z
    .array(z.object({ key: z.string().nullable().optional(), value: z.string().nullable().optional() }))
    .nullable()
    .optional(),
});
export type DirectoryAudit = z.infer<typeof DirectoryAudit>;

const SignIn = z.object({
  id: z.string().min(1),
  createdDateTime: z.string().min(1),
  appId: z.string().nullable().optional(),
  appDisplayName: z.string().nullable().optional(),
  userId: z.string().nullable().optional(),
  userPrincipalName: z.string().nullable().optional(),
  servicePrincipalId: z.string().nullable().optional(),
  servicePrincipalCredentialKeyId: z.string().nullable().optional(),
  federatedCredentialId: z.string().nullable().optional(),
  resourceDisplayName: z.string().nullable().optional(),
  status: z.object({ errorCode: z.number(), failureReason: z.string().nullable().optional() }),
});
export type SignIn = z.infer<typeof SignIn>;

const Page = z.object({ value: z.array(z.unknown()), '@odata.nextLink': z.string().optional() }).loose();

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const present = (value: string | null | undefined): value is string => typeof value === 'string' && value !== '';
/** Graph's OData string literal. */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** The timeline entry of an audit record: the change, who made it, and to what. */
export function auditTimelineEntry(audit: DirectoryAudit): TimelineEntry {
  const by = audit.initiatedBy?.app?.appId ?? audit.initiatedBy?.user?.userPrincipalName ?? audit.initiatedBy?.user?.id;
  const target = (audit.targetResources ?? []).find((t) => present(t.displayName) || present(t.id));
  const failed = audit.result?.toLowerCase() === 'failure';
  return {
    at: new Date(audit.activityDateTime).toISOString(),
    provider: 'entra',
    action: clip(audit.activityDisplayName, 200),
    by: clip(present(by) ? by : 'unknown', 300),
    ...(target ? { target: clip(target.displayName ?? target.id ?? '', 500) } : {}),
    ...(failed ? { error: clip(present(audit.resultReason) ? audit.resultReason : 'failure', 200) } : {}),
    readOnly: false,
    eventId: clip(audit.id, 200),
  };
}

/** The timeline entry of a sign-in: a token issued to the app or user, or refused (with why). */
export function signInTimelineEntry(signIn: SignIn): TimelineEntry {
  const by = signIn.servicePrincipalId ? signIn.appId : (signIn.userPrincipalName ?? signIn.userId ?? signIn.appId);
  const { errorCode, failureReason } = signIn.status;
  return {
    at: new Date(signIn.createdDateTime).toISOString(),
    provider: 'entra',
    action: 'Sign-in',
    by: clip(present(by) ? by : 'unknown', 300),
    ...(present(signIn.resourceDisplayName) ? { target: clip(signIn.resourceDisplayName, 500) } : {}),
    ...(errorCode !== 0 ? { error: clip(`${errorCode}: ${failureReason ?? 'refused'}`, 200) } : {}),
    readOnly: true,
    eventId: clip(signIn.id, 200),
  };
}

/** The activities that add a secret or certificate (KeyDescription), with Entra's en dash or an export's hyphen. */
const CREDENTIAL_ACTIVITIES = new Set([
  'add service principal credentials',
  'update application – certificates and secrets management',
  'update application - certificates and secrets management',
  'update application',
  'update service principal',
]);
const CONSENT_ACTIVITIES = new Set([
  'consent to application',
  'add app role assignment to service principal',
  'add delegated permission grant',
]);

function parsed(value: string | null | undefined): unknown {
  if (!present(value)) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** `[KeyIdentifier=…,KeyType=Password,KeyUsage=Verify,DisplayName=…]` entries of a KeyDescription value. */
function keyDescriptions(value: string | null | undefined): { keyId: string; type: string; name: string }[] {
  const list = parsed(value);
  const texts = Array.isArray(list) ? list.map(String) : typeof list === 'string' ? [list] : [];
  return texts.flatMap((text) => {
    const match = /KeyIdentifier=([^,\]]+),KeyType=([^,\]]*),KeyUsage=[^,\]]*,DisplayName=([^\]]*)\]/.exec(text);
    return match?.[1] ? [{ keyId: match[1].toLowerCase(), type: match[2] ?? '', name: match[3] ?? '' }] : [];
  });
}

/** Entries of a FederatedIdentityCredentials value (`[{Name, Issuer, Subject, …}]`). */
function federatedDescriptions(value: string | null | undefined) {
  const list = parsed(value);
  const entries = Array.isArray(list) ? list : [];
  return entries.flatMap((entry) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const e = entry as Record<string, unknown>;
    const field = (name: string) => {
      const found = Object.keys(e).find((k) => k.toLowerCase() === name);
      const v = found === undefined ? undefined : e[found];
      return typeof v === 'string' ? v : undefined;
    };
    const name = field('name');
    return name ? [{ name, issuer: field('issuer'), subject: field('subject'), id: field('id') }] : [];
  });
}

const detail = (audit: DirectoryAudit, key: string) =>
  (audit.additionalDetails ?? []).find((d) => d.key?.toLowerCase() === key.toLowerCase())?.value ?? undefined;

const modifiedValue = (target: NonNullable<DirectoryAudit['targetResources']>[number], name: string) => {
  const value = parsed(
    (target.modifiedProperties ?? []).find((p) => p.displayName?.toLowerCase() === name.toLowerCase())?.newValue,
  );
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * What an audit record left behind, if anything: a secret, certificate or federated credential added to an
 * application or service principal (one finding each), or consent or an app role granted to an app. A failed
 * change left nothing.
 */
export function entraFindingsOf(audit: DirectoryAudit, tenantId: string): EntraFinding[] {
  if (audit.result && audit.result.toLowerCase() !== 'success') return [];
  const activity = audit.activityDisplayName.toLowerCase();
  const from = auditTimelineEntry(audit);
  const base = { provider: 'entra' as const, tenantId };
  const appId = detail(audit, 'AppId');
  const findings: EntraFinding[] = [];
  if (CREDENTIAL_ACTIVITIES.has(activity)) {
    for (const target of audit.targetResources ?? []) {
      const on =
        target.type?.toLowerCase() === 'application'
          ? { applicationId: target.id ?? undefined }
          : target.type?.toLowerCase() === 'serviceprincipal'
            ? { servicePrincipalId: target.id ?? undefined }
            : undefined;
      if (!on) continue;
      const where = {
        ...(present(appId) ? { appId } : {}),
        ...(present(on.applicationId) ? { applicationId: on.applicationId } : {}),
        ...('servicePrincipalId' in on && present(on.servicePrincipalId)
          ? { servicePrincipalId: on.servicePrincipalId }
          : {}),
      };
      for (const property of target.modifiedProperties ?? []) {
        const name = property.displayName?.toLowerCase();
        if (name === 'keydescription') {
          const before = new Set(keyDescriptions(property.oldValue).map((k) => k.keyId));
          for (const key of keyDescriptions(property.newValue).filter((k) => !before.has(k.keyId))) {
            findings.push({
              ...base,
              kind: 'entra.credential',
              ...where,
              credentialId: clip(key.keyId, 64),
              ...(key.name ? { credentialName: clip(key.name, 200) } : {}),
              from,
            });
          }
        } else if (name === 'federatedidentitycredentials') {
          const before = new Set(federatedDescriptions(property.oldValue).map((f) => f.name.toLowerCase()));
          for (const added of federatedDescriptions(property.newValue).filter(
            (f) => !before.has(f.name.toLowerCase()),
          )) {
            findings.push({
              ...base,
              kind: 'entra.federated-credential',
              ...where,
              ...(added.id ? { credentialId: clip(added.id, 64) } : {}),
              credentialName: clip(added.name, 200),
              ...(added.issuer ? { issuer: clip(added.issuer, 500) } : {}),
              ...(added.subject ? { subject: clip(added.subject, 500) } : {}),
              from,
            });
          }
        }
      }
    }
  } else if (CONSENT_ACTIVITIES.has(activity)) {
    const client = (audit.targetResources ?? []).find((t) => t.type?.toLowerCase() === 'serviceprincipal');
    const clientAppId = (client && modifiedValue(client, 'ServicePrincipal.AppId')) ?? appId;
    const spId = (client && modifiedValue(client, 'ServicePrincipal.ObjectID')) ?? client?.id ?? undefined;
    if (present(clientAppId) || present(spId)) {
      findings.push({
        ...base,
        kind: 'entra.consent',
        ...(present(clientAppId) ? { appId: clientAppId } : {}),
        ...(present(spId) ? { servicePrincipalId: spId } : {}),
        from,
      });
    }
  }
  return findings;
}

/** Pages of one Graph query, following @odata.nextLink, honouring Retry-After, up to a page cap. */
function logReader(graph: GraphClient, reading: AuditReading) {
  const { maxPages, throttleRetries, maxRetryAfterMs } = { ...DEFAULTS, ...reading };
  let lookups = 0;
  let incomplete: string | undefined;
  async function read<S extends z.ZodType>(first: string, item: S, what: string): Promise<z.infer<S>[]> {
    const items: z.infer<S>[] = [];
    let next: string | undefined = first;
    for (let page = 0; next; page += 1) {
      if (page >= maxPages) {
        incomplete ??= `${what} has more than ${maxPages} pages: only the first ${items.length} records were read`;
        break;
      }
      const url: string = next;
      // The audit logs are throttled per tenant and app: wait as Graph says, a few times, then hand it to Temporal.
      const { data } = await waitingOutThrottling(() => graph.get(url, Page), {
        retries: throttleRetries,
        backoffMs: (attempt) => 1000 * 2 ** attempt,
        maxWaitMs: maxRetryAfterMs,
      });
      lookups += 1;
      for (const value of data.value) {
        const checked = item.safeParse(value);
        if (!checked.success) {
          const fields = checked.error.issues.map((issue) => issue.path.join('.')).join(', ');
          throw new InvalidRequestError(
            `Microsoft Graph answered ${what} with an unexpected record (fields: ${fields})`,
          );
        }
        items.push(checked.data);
      }
      next = data['@odata.nextLink'];
    }
    return items;
  }
  return { read, lookups: () => lookups, incomplete: () => incomplete };
}

function window(since: string, until: string | undefined, property: string): string {
  const start = new Date(since);
  const end = until === undefined ? undefined : new Date(until);
  if (Number.isNaN(start.getTime()) || (end && Number.isNaN(end.getTime()))) {
    throw new InvalidRequestError(`the window is not a time: ${since} – ${until ?? 'now'}`);
  }
  return `${property} ge ${start.toISOString()}${end ? ` and ${property} le ${end.toISOString()}` : ''}`;
}

function queries(graph: GraphClient, reading: AuditReading, since: string, until: string | undefined) {
  const top = `$top=${reading.pageSize ?? DEFAULTS.pageSize}`;
  const audits = (initiator: string) =>
    `/auditLogs/directoryAudits?$filter=${encodeURIComponent(`${initiator} and ${window(since, until, 'activityDateTime')}`)}&${top}`;
  const signIns = (who: string, type: string) =>
    `${graph.betaUrl}/auditLogs/signIns?$filter=${encodeURIComponent(
      `${who}signInEventTypes/any(t: t eq '${type}') and ${window(since, until, 'createdDateTime')}`,
    )}&${top}`;
  return {
    appAudits: (appId: string) => audits(`initiatedBy/app/appId eq ${literal(appId)}`),
    userAudits: (userId: string) => audits(`initiatedBy/user/id eq ${literal(userId)}`),
    appSignIns: (appId: string) => signIns(`appId eq ${literal(appId)} and `, 'servicePrincipal'),
    userSignIns: (userId: string, type: 'interactiveUser' | 'nonInteractiveUser') =>
      signIns(`userId eq ${literal(userId)} and `, type),
    servicePrincipalSignIns: () => signIns('', 'servicePrincipal'),
  };
}

/** An app's id, for a finding on a service principal or application the audit record named without it. */
async function appIdOf(graph: GraphClient, finding: EntraFinding): Promise<string | undefined> {
  const path = finding.applicationId
    ? `/applications/${encodeURIComponent(finding.applicationId)}?$select=id,appId`
    : finding.servicePrincipalId
      ? `/servicePrincipals/${encodeURIComponent(finding.servicePrincipalId)}?$select=id,appId`
      : undefined;
  if (!path) return undefined;
  try {
    return (await graph.get(path, z.object({ appId: z.string() }).loose())).data.appId;
  } catch (error) {
    if (error instanceof TargetNotFoundError) return undefined;
    throw error;
  }
}

/**
 * A federated credential's id, which the audit record does not give: looked up by its name, which the URL takes in
 * its place. Gone since (removed, or the app deleted): left without one.
 */
async function federatedIdOf(graph: GraphClient, finding: EntraFinding): Promise<string | undefined> {
  if (!finding.applicationId || !finding.credentialName) return undefined;
  try {
    const path = `/applications/${encodeURIComponent(finding.applicationId)}/federatedIdentityCredentials/${encodeURIComponent(finding.credentialName)}`;
    return (await graph.get(path, z.object({ id: z.string() }).loose())).data.id;
  } catch (error) {
    if (error instanceof TargetNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Reads what the incident's apps and users did in one tenant over the window: the changes each made (directory
 * audits initiated by the app or user) and the tokens each got or was refused (sign-ins), every page; then the same
 * for each app those changes gave a way in (a new secret, certificate or federated credential, consent or an app
 * role), one level deep, so what the attacker did with a backdoored app is read too. Each record once, oldest first;
 * the findings are what persists.
 */
export async function readEntraAudit(
  graph: GraphClient,
  request: EntraSweepRequest,
  reading: AuditReading = {},
): Promise<EntraSweep> {
  const { maxApps } = { ...DEFAULTS, ...reading };
  const reader = logReader(graph, reading);
  const q = queries(graph, reading, request.since, request.until);
  const timeline: TimelineEntry[] = [];
  const findings: EntraFinding[] = [];
  const audit = async (url: string, what: string) => {
    const records = await reader.read(url, DirectoryAudit, what);
    timeline.push(...records.map(auditTimelineEntry));
    const made = records.flatMap((r) => entraFindingsOf(r, request.tenantId));
    findings.push(...made);
    return made;
  };
  const signIns = async (url: string, what: string) => {
    const records = await reader.read(url, SignIn, what);
    timeline.push(...records.map(signInTimelineEntry));
  };
  const readApp = async (appId: string) => {
    const made = await audit(q.appAudits(appId), `the audit log of app ${appId}`);
    await signIns(q.appSignIns(appId), `the sign-ins of app ${appId}`);
    return made;
  };

  const requested = [...new Set(request.appIds.map((id) => id.toLowerCase()))];
  const read = new Set(requested);
  const made: EntraFinding[] = [];
  for (const appId of requested.slice(0, maxApps)) made.push(...(await readApp(appId)));
  for (const userId of new Set(request.userIds)) {
    made.push(...(await audit(q.userAudits(userId), `the audit log of user ${userId}`)));
    await signIns(q.userSignIns(userId, 'interactiveUser'), `the sign-ins of user ${userId}`);
    await signIns(q.userSignIns(userId, 'nonInteractiveUser'), `the non-interactive sign-ins of user ${userId}`);
  }

  // Fill in what the audit record leaves out: the app's id, and a federated credential's id.
  const complete = async (list: EntraFinding[]) => {
    for (const finding of list) {
      if (!finding.appId) {
        const appId = await appIdOf(graph, finding);
        if (appId) finding.appId = appId;
      }
      if (finding.kind === 'entra.federated-credential' && !finding.credentialId) {
        const id = await federatedIdOf(graph, finding);
        if (id) finding.credentialId = id;
      }
    }
  };
  await complete(findings);

  // One level: what the apps the incident's calls gave a way in did with it.
  const follow = [
    ...new Set(made.flatMap((f) => (f.appId ? [f.appId.toLowerCase()] : [])).filter((id) => !read.has(id))),
  ];
  const room = Math.max(0, maxApps - Math.min(requested.length, maxApps));
  for (const appId of follow.slice(0, room)) {
    read.add(appId);
    await complete(await readApp(appId));
  }
  const unread = [...requested.slice(maxApps), ...follow.slice(room)];
  const skipped = unread.length
    ? `${unread.length} more apps than the sweep reads (${maxApps}): ${unread.slice(0, 5).join(', ')}`
    : undefined;
  const incomplete = reader.incomplete() ?? skipped;
  return {
    provider: 'entra',
    scope: request.tenantId,
    timeline: mergeTimeline(timeline),
    findings: dedupeFindings(findings),
    lookups: reader.lookups(),
    ...(incomplete ? { incomplete } : {}),
  };
}

/**
 * What the watched apps, users and credentials did in one tenant since the cut-off: their sign-ins (a refused one,
 * errorCode ≠ 0, is an attempt) and the changes they made. An app is followed by its client id; a user by object id;
 * a single secret, certificate or federated credential (`key`) by the service principal sign-ins that used it — a
 * removed secret is no longer known to Entra, so the attempts with it show as the app's refused sign-ins instead.
 */
export async function watchEntra(
  graph: GraphClient,
  request: WatchRequest,
  reading: AuditReading = {},
): Promise<ProviderWatch> {
  const reader = logReader(graph, reading);
  const q = queries(graph, reading, request.since, request.until);
  const hits: WatchHit[] = [];
  const seen = new Set<string>();
  const hit = (credential: WatchedCredential, entry: TimelineEntry, refused: boolean) => {
    const key = `${credential.kind}|${credential.id}|${entry.eventId}`;
    if (seen.has(key)) return;
    seen.add(key);
    hits.push({ credential, entry, refused });
  };
  const mine = request.credentials.filter(
    (c) => c.provider === 'entra' && c.scope.toLowerCase() === request.scope.toLowerCase(),
  );
  const fromAudits = async (credential: WatchedCredential, url: string, what: string) => {
    for (const record of await reader.read(url, DirectoryAudit, what)) {
      hit(credential, auditTimelineEntry(record), record.result?.toLowerCase() === 'failure');
    }
  };
  const fromSignIns = async (credential: WatchedCredential, url: string, what: string) => {
    for (const record of await reader.read(url, SignIn, what)) {
      hit(credential, signInTimelineEntry(record), record.status.errorCode !== 0);
    }
  };
  for (const credential of mine) {
    if (credential.kind === 'app') {
      await fromSignIns(credential, q.appSignIns(credential.id), `the sign-ins of app ${credential.id}`);
      await fromAudits(credential, q.appAudits(credential.id), `the audit log of app ${credential.id}`);
    } else if (credential.kind === 'user') {
      await fromSignIns(
        credential,
        q.userSignIns(credential.id, 'interactiveUser'),
        `the sign-ins of user ${credential.id}`,
      );
      await fromSignIns(
        credential,
        q.userSignIns(credential.id, 'nonInteractiveUser'),
        `the non-interactive sign-ins of user ${credential.id}`,
      );
      await fromAudits(credential, q.userAudits(credential.id), `the audit log of user ${credential.id}`);
    }
  }
  const keys = mine.filter((c) => c.kind === 'key');
  if (keys.length) {
    const records = await reader.read(q.servicePrincipalSignIns(), SignIn, 'the service principal sign-ins');
    for (const credential of keys) {
      const id = credential.id.toLowerCase();
      for (const record of records) {
        const used = [record.servicePrincipalCredentialKeyId, record.federatedCredentialId].some(
          (k) => k?.toLowerCase() === id,
        );
        if (used) hit(credential, signInTimelineEntry(record), record.status.errorCode !== 0);
      }
    }
  }
  hits.sort(
    (a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at) || a.entry.eventId.localeCompare(b.entry.eventId),
  );
  const incomplete = reader.incomplete();
  return {
    provider: 'entra',
    scope: request.scope,
    hits,
    lookups: reader.lookups(),
    ...(incomplete ? { incomplete } : {}),
  };
}
