import { ACTION_KINDS, watchedBy, type Action, type ActionSpec } from './action.js';
import { durationMs } from './duration.js';
import { Principal, principalKey } from './principal.js';
import type { SweepPolicy } from './policy.js';
import type { ActionRecord } from './report.js';
import {
  watchedKey,
  type AwsSweepRequest,
  type EntraSweepRequest,
  type Finding,
  type GcpSweepRequest,
  type SweepRequest,
  type TimelineEntry,
  type WatchedCredential,
  type WatchHit,
  type WatchRequest,
} from './sweep.js';

/**
 * From the incident's steps to the sweep's reads, and from its findings to more containment: which credentials and
 * identities each account, tenant and project is read for, what each finding becomes (a principal to triage, or a
 * step), which credentials the watch follows after the cut-off, and for how long. Pure, for the playbook.
 */

/** Kinds that cut a whole identity: the trail is read for everything it did, not just for one credential of it. */
const WHOLE_IDENTITY = new Set<string>([
  'aws.denyUserSessions',
  'entra.disableUser',
  'entra.revokeUserSessions',
  'gcp.disableServiceAccount',
]);

const field = (target: unknown, name: string): string | undefined => {
  const value = (target as Record<string, unknown>)[name];
  return typeof value === 'string' && value ? value : undefined;
};

/**
 * The sweeps to run for these containment steps, one per account, tenant or project: each stolen key or app is
 * read by its id, and an identity the incident cuts as a whole (a denied user, a disabled account) by its name.
 * `also` adds credentials seen in use after the cut-off (a re-sweep follows them).
 */
export function sweepRequests(
  actions: Action[],
  window: { since: string; until?: string },
  also: WatchedCredential[] = [],
): SweepRequest[] {
  const aws = new Map<string, AwsSweepRequest>();
  const entra = new Map<string, EntraSweepRequest>();
  const gcp = new Map<string, GcpSweepRequest>();
  const until = window.until ? { until: window.until } : {};
  const awsOf = (accountId: string) =>
    aws.get(accountId) ??
    aws.set(accountId, { accountId, accessKeyIds: [], userNames: [], since: window.since, ...until }).get(accountId)!;
  const entraOf = (tenantId: string) =>
    entra.get(tenantId) ??
    entra.set(tenantId, { tenantId, appIds: [], userIds: [], since: window.since, ...until }).get(tenantId)!;
  const gcpOf = (projectId: string) =>
    gcp.get(projectId) ??
    gcp.set(projectId, { projectId, emails: [], keyNames: [], since: window.since, ...until }).get(projectId)!;
  const add = (list: string[], value: string | undefined) => {
    if (value && !list.includes(value)) list.push(value);
  };
  for (const action of actions) {
    if (action.reverses) continue;
    const { target } = action;
    const whole = WHOLE_IDENTITY.has(action.kind);
    switch (action.provider) {
      case 'aws': {
        const request = awsOf(field(target, 'accountId') ?? '');
        add(request.accessKeyIds, field(target, 'accessKeyId'));
        if (whole) add(request.userNames, field(target, 'userName'));
        break;
      }
      case 'entra': {
        const request = entraOf(field(target, 'tenantId') ?? '');
        add(request.appIds, field(target, 'appId'));
        if (whole) add(request.userIds, field(target, 'userId'));
        break;
      }
      case 'gcp': {
        const request = gcpOf(field(target, 'projectId') ?? '');
        add(request.keyNames, field(target, 'keyName'));
        if (whole) add(request.emails, field(target, 'email'));
        break;
      }
      default:
        break;
    }
  }
  for (const credential of also) {
    if (credential.provider === 'aws') {
      const request = awsOf(credential.scope);
      add(credential.kind === 'user' ? request.userNames : request.accessKeyIds, credential.id);
    } else if (credential.provider === 'entra') {
      const request = entraOf(credential.scope);
      add(credential.kind === 'user' ? request.userIds : request.appIds, credential.id);
    } else {
      const request = gcpOf(credential.scope);
      add(credential.kind === 'key' ? request.keyNames : request.emails, credential.id);
    }
  }
  const nonEmpty = <T>(map: Map<string, T>, has: (request: T) => boolean) =>
    [...map.entries()].filter(([scope, request]) => scope !== '' && has(request)).map(([, request]) => request);
  return [
    ...nonEmpty(aws, (r) => r.accessKeyIds.length + r.userNames.length > 0).map((request): SweepRequest => ({
      provider: 'aws',
      request,
    })),
    ...nonEmpty(entra, (r) => r.appIds.length + r.userIds.length > 0).map((request): SweepRequest => ({
      provider: 'entra',
      request,
    })),
    ...nonEmpty(gcp, (r) => r.emails.length + r.keyNames.length > 0).map((request): SweepRequest => ({
      provider: 'gcp',
      request,
    })),
  ];
}

/** What a finding becomes: a principal to triage and contain like an alert's, a step, or both. */
export interface Containment {
  principal?: Principal;
  step?: { spec: ActionSpec; reason: string; principal: string };
  /** Why the finding leads to nothing (it named no identity the incident can contain). */
  unplanned?: string;
}

const foundBy = (entry: TimelineEntry) => `${entry.action} by ${entry.by} at ${entry.at}`;

function principal(candidate: unknown): Principal | undefined {
  const parsed = Principal.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/** What the incident does about one finding. */
export function containmentOf(finding: Finding): Containment {
  const found = foundBy(finding.from);
  switch (finding.provider) {
    case 'aws': {
      const { accountId, userName, roleName, accessKeyId } = finding;
      const user = userName ? principal({ type: 'aws.user', accountId, userName }) : undefined;
      const role = roleName ? principal({ type: 'aws.role', accountId, roleName }) : undefined;
      switch (finding.kind) {
        case 'aws.access-key': {
          const key = principal({ type: 'aws.accessKey', accountId, accessKeyId });
          return key ? { principal: key } : { unplanned: `the new key ${accessKeyId ?? '?'} is not an AKIA… id` };
        }
        case 'aws.user':
          return user ? { principal: user } : { unplanned: `the new user ${userName ?? '?'} is not an IAM name` };
        case 'aws.login-profile':
          return user && userName
            ? {
                step: {
                  spec: { kind: 'aws.deleteLoginProfile', target: { accountId, userName } },
                  reason: `A console password was set for ${userName} (${found}): it signs in whatever happens to the keys.`,
                  principal: principalKey(user),
                },
              }
            : { unplanned: 'the login profile names no user' };
        case 'aws.grant':
          if (role) return { principal: role };
          if (user) return { principal: user };
          return { unplanned: 'the grant names no user or role' };
        case 'aws.session':
          if (finding.from.action === 'AssumeRole') {
            return role ? { principal: role } : { unplanned: 'the assumed role is not named' };
          }
          return user && userName
            ? {
                step: {
                  spec: { kind: 'aws.revokeUserSessions', target: { accountId, userName } },
                  reason: `${finding.from.action} minted a session that outlives the key (${found}): denying ${userName}'s sessions issued before now ends it.`,
                  principal: principalKey(user),
                },
              }
            : { unplanned: 'the session names no user' };
        default:
          return { unplanned: `${finding.kind} is not an AWS finding` };
      }
    }
    case 'entra': {
      const { tenantId, appId, applicationId, credentialId } = finding;
      const app = appId ? principal({ type: 'entra.servicePrincipal', tenantId, appId }) : undefined;
      if (!app || !appId) return { unplanned: 'the audit record names no app (client id)' };
      const on = principalKey(app);
      switch (finding.kind) {
        case 'entra.credential':
          // A secret added to the application object: that secret, precisely (the app itself may be production's).
          if (applicationId && credentialId) {
            return {
              step: {
                spec: {
                  kind: 'entra.removeApplicationSecret',
                  target: {
                    tenantId,
                    applicationId,
                    appId,
                    keyId: credentialId,
                    displayName: finding.credentialName ?? '',
                  },
                },
                reason: `A credential the app's owner did not add mints tokens as the app (${found}).`,
                principal: on,
              },
            };
          }
          // Added to the service principal: the app is contained like an alert's.
          return { principal: app };
        case 'entra.federated-credential':
          if (!applicationId || !credentialId || !finding.issuer || !finding.subject) {
            // Named only in part: the app is contained as a whole, which cuts what the credential gets too.
            return { principal: app };
          }
          return {
            step: {
              spec: {
                kind: 'entra.removeFederatedCredential',
                target: {
                  tenantId,
                  applicationId,
                  appId,
                  credentialId,
                  name: finding.credentialName ?? credentialId,
                  issuer: finding.issuer,
                  subject: finding.subject,
                },
              },
              reason: `A workload outside the tenant (${finding.issuer}, ${finding.subject}) gets the app's tokens without a secret (${found}).`,
              principal: on,
            },
          };
        case 'entra.consent':
          return { principal: app };
        default:
          return { unplanned: `${finding.kind} is not an Entra finding` };
      }
    }
    case 'gcp': {
      const { projectId, email, keyName } = finding;
      switch (finding.kind) {
        case 'gcp.key': {
          const key = keyName ? principal({ type: 'gcp.key', keyName }) : undefined;
          return key ? { principal: key } : { unplanned: `the new key ${keyName ?? '?'} is not a key resource name` };
        }
        case 'gcp.access-token': {
          // Tokens minted for the account live an hour: only disabling it refuses them at once.
          const account = principal({ type: 'gcp.serviceAccount', projectId, email });
          return account ? { principal: account } : { unplanned: `${email} is not a service account email` };
        }
        case 'gcp.token-creator': {
          const account = principal({ type: 'gcp.serviceAccount', projectId, email });
          const { member, role, condition } = finding;
          if (!account || !member || !role) return { unplanned: 'the policy change does not name the member and role' };
          return {
            step: {
              spec: {
                kind: 'gcp.removeTokenCreatorBinding',
                target: { projectId, email, role, member, ...(condition ? { condition } : {}) },
              },
              reason: `${member} was granted ${role} on ${email} (${found}): it can mint the account's tokens. A release puts the grant back exactly.`,
              principal: principalKey(account),
            },
          };
        }
        default:
          return { unplanned: `${finding.kind} is not a Google Cloud finding` };
      }
    }
  }
}

/** The mode a step a finding led to runs in: under `findings: approval`, nothing runs without a human. */
export function findingMode(mode: Action['mode'], sweep: SweepPolicy): Action['mode'] {
  return sweep.findings === 'approval' && mode === 'auto' ? 'approval' : mode;
}

/** One credential the watch follows, from when it was cut. */
export interface Watched {
  credential: WatchedCredential;
  /** When the step that cut it ended: use after this is a hit. */
  since: string;
  /** The step that cut it. */
  by: string;
}

/**
 * The credentials the done steps cut, each from the end of its step (the earliest such step when two cut it), and
 * the sessions found minted from them whose user's or role's sessions a done step revoked.
 */
export function watchedCredentials(records: ActionRecord[], sessions: Finding[] = []): Watched[] {
  const watched = new Map<string, Watched>();
  const put = (credential: WatchedCredential, since: string, by: string) => {
    const key = watchedKey(credential);
    const known = watched.get(key);
    if (!known || Date.parse(since) < Date.parse(known.since)) watched.set(key, { credential, since, by });
  };
  const revoked = new Map<string, ActionRecord>();
  for (const record of records) {
    if (record.action.reverses || (record.status !== 'done' && record.status !== 'already')) continue;
    const since = record.finishedAt;
    if (!since) continue;
    const credential = watchedBy(record.action);
    if (credential) put(credential, since, record.action.id);
    if (record.action.provider === 'aws') {
      const { target } = record.action;
      const who = field(target, 'userName') ?? field(target, 'roleName');
      if (who && /Sessions$/.test(record.action.kind)) revoked.set(`${field(target, 'accountId')}/${who}`, record);
    }
  }
  for (const finding of sessions) {
    if (finding.provider !== 'aws' || finding.kind !== 'aws.session' || !finding.accessKeyId) continue;
    const record = revoked.get(`${finding.accountId}/${finding.roleName ?? finding.userName ?? ''}`);
    if (!record?.finishedAt) continue;
    put(
      { provider: 'aws', scope: finding.accountId, kind: 'accessKey', id: finding.accessKeyId },
      record.finishedAt,
      record.action.id,
    );
  }
  return [...watched.values()];
}

/**
 * How long the watch lasts after the cut-off: the longest residual window of the steps that cut what is watched,
 * at least as long as the trails take to deliver (`settle`), and never longer than `watchAtMost`.
 */
export function watchLengthMs(records: ActionRecord[], watched: Watched[], sweep: SweepPolicy): number {
  const cutBy = new Set(watched.map((w) => w.by));
  let longest = 0;
  for (const record of records) {
    if (!cutBy.has(record.action.id)) continue;
    const lingers = (ACTION_KINDS[record.action.kind] as { lingers?: string }).lingers;
    if (lingers) longest = Math.max(longest, durationMs(lingers));
  }
  return Math.min(Math.max(longest, durationMs(sweep.settle)), durationMs(sweep.watchAtMost));
}

/** The watch's reads: one per account, tenant or project, from the earliest cut-off of its credentials. */
export function watchRequests(watched: Watched[], until?: string): WatchRequest[] {
  const byScope = new Map<string, WatchRequest>();
  for (const { credential, since } of watched) {
    const key = `${credential.provider}|${credential.scope}`;
    const request = byScope.get(key);
    if (!request) {
      byScope.set(key, {
        provider: credential.provider,
        scope: credential.scope,
        credentials: [credential],
        since,
        ...(until ? { until } : {}),
      });
    } else {
      request.credentials.push(credential);
      if (Date.parse(since) < Date.parse(request.since)) request.since = since;
    }
  }
  return [...byScope.values()];
}

/** The hits that count: calls by a watched credential after its own cut-off (a scope is read from its earliest). */
export function hitsAfterCutOff(hits: WatchHit[], watched: Watched[]): WatchHit[] {
  const since = new Map(watched.map((w) => [watchedKey(w.credential), Date.parse(w.since)]));
  return hits.filter((hit) => {
    const cut = since.get(watchedKey(hit.credential));
    return cut !== undefined && Date.parse(hit.entry.at) >= cut;
  });
}

/** How a credential reads in the proof. */
export function describeWatched(credential: WatchedCredential): string {
  switch (credential.kind) {
    case 'accessKey':
      return `access key ${credential.id}`;
    case 'user':
      return credential.provider === 'aws' ? `IAM user ${credential.id}` : `Entra user ${credential.id}`;
    case 'app':
      return `Entra app ${credential.id}`;
    case 'serviceAccount':
      return `service account ${credential.id}`;
    case 'key':
      return `key ${credential.id.split('/').pop() ?? credential.id}`;
  }
}

/** The watch's closing line: what was watched, from when, until when, and what was seen. */
export function watchProof(
  watched: Watched[],
  until: string,
  hits: { count: number; refused: number },
  incomplete: string[] = [],
): string {
  const cutOff = watched.map((w) => w.since).sort()[watched.length - 1] ?? until;
  const names = watched.map((w) => describeWatched(w.credential));
  const list = names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
  const gaps = incomplete.length ? ` (not everything could be read: ${incomplete.join('; ')})` : '';
  if (hits.count === 0) return `No use of these credentials after ${cutOff}, watched until ${until}: ${list}${gaps}.`;
  const refused = hits.refused === hits.count ? 'all refused' : `${hits.count - hits.refused} not refused`;
  return `${hits.count} use${hits.count === 1 ? '' : 's'} of these credentials after the cut-off (${refused}), watched until ${until}: ${list}${gaps}.`;
}
