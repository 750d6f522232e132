import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

/**
 * The sweep: what a stolen credential did, read from the provider's own audit trail, and what of it persists (a new
 * user, key, secret or binding the attacker can come back with). Each entry of the timeline is one call the trail
 * recorded; a finding is an entry that left something behind.
 */

/** One call in the trail, as the report's timeline shows it. */
export const TimelineEntry = lazySchema(() =>
  z.object({
    /** When the provider says the call was made (ISO 8601). */
    at: z.iso.datetime({ offset: true }),
    provider: z.enum(['aws', 'entra', 'gcp']),
    /** The API call: `CreateAccessKey`, `Add service principal credentials`, `google.iam.admin.v1.CreateServiceAccountKey`. */
    action: z.string().min(1).max(200),
    /** The credential that made it (an access key id, a client id, a key id), as the trail names it. */
    by: z.string().min(1).max(300),
    /** What it touched, when the trail says. */
    target: z.string().max(500).optional(),
    /** The provider refused it (AccessDenied, …): it changed nothing. */
    error: z.string().max(200).optional(),
    readOnly: z.boolean(),
    /** The trail's own id for the event (CloudTrail's EventId): entries are deduplicated by it. */
    eventId: z.string().min(1).max(200),
  }),
);
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** What a call left behind that outlives the stolen credential. */
export const FindingKind = lazySchema(() =>
  z.enum([
    /** A new long-term access key (`CreateAccessKey`): a principal of its own. */
    'aws.access-key',
    /** A new IAM user (`CreateUser`): a principal of its own. */
    'aws.user',
    /** Console access for a user (`CreateLoginProfile`): its login profile is to be deleted. */
    'aws.login-profile',
    /** Permissions granted or a trust widened (`AttachUserPolicy`, `PutUserPolicy`, `CreateRole`, `UpdateAssumeRolePolicy`). */
    'aws.grant',
    /** Temporary credentials minted (`GetFederationToken`, `GetSessionToken`, `AssumeRole`): live until they expire. */
    'aws.session',
    /** A client secret or certificate added to an app or its service principal: the app is a principal of its own. */
    'entra.credential',
    /** A federated identity credential added to an application: an outside workload gets the app's tokens. */
    'entra.federated-credential',
    /** Consent or an app role granted to an app: the app is a principal of its own. */
    'entra.consent',
    /** A new service-account key (`CreateServiceAccountKey`): a principal of its own. */
    'gcp.key',
    /** `roles/iam.serviceAccountTokenCreator` granted on a service account (`SetIamPolicy`): a way to impersonate it. */
    'gcp.token-creator',
    /** An access token minted for a service account (`GenerateAccessToken`): live until it expires. */
    'gcp.access-token',
  ]),
);
export type FindingKind = z.infer<typeof FindingKind>;

export const AwsFinding = lazySchema(() =>
  z.object({
    provider: z.literal('aws'),
    kind: FindingKind,
    accountId: z.string().regex(/^\d{12}$/),
    /** The IAM user or role it is on. */
    userName: z.string().max(64).optional(),
    roleName: z.string().max(64).optional(),
    /** The new key's id (`aws.access-key`), or a minted session's (`aws.session`). */
    accessKeyId: z.string().max(128).optional(),
    /** The policy attached or written (`aws.grant`). */
    policy: z.string().max(2048).optional(),
    /** The call that made it. */
    from: TimelineEntry,
  }),
);
export type AwsFinding = z.infer<typeof AwsFinding>;

export const EntraFinding = lazySchema(() =>
  z.object({
    provider: z.literal('entra'),
    kind: FindingKind,
    tenantId: z.string().min(1).max(64),
    /** The app it is on (client id), and its objects in the tenant, as far as the audit record names them. */
    appId: z.string().max(64).optional(),
    servicePrincipalId: z.string().max(64).optional(),
    /** The application object's id (federated credentials live on it). */
    applicationId: z.string().max(64).optional(),
    /** The credential added: its keyId (a secret or certificate) or id (a federated credential), and name. */
    credentialId: z.string().max(64).optional(),
    credentialName: z.string().max(200).optional(),
    /** A federated credential's issuer and subject: who outside the tenant gets the app's tokens. */
    issuer: z.string().max(500).optional(),
    subject: z.string().max(500).optional(),
    from: TimelineEntry,
  }),
);
export type EntraFinding = z.infer<typeof EntraFinding>;

export const GcpFinding = lazySchema(() =>
  z.object({
    provider: z.literal('gcp'),
    kind: FindingKind,
    projectId: z.string().min(1).max(30),
    /** The service account it is on. */
    email: z.string().min(1).max(200),
    /** The new key's resource name (`gcp.key`). */
    keyName: z.string().max(500).optional(),
    /** The member granted a role on the account, and the role (`gcp.token-creator`). */
    member: z.string().max(500).optional(),
    role: z.string().max(200).optional(),
    /** The binding's condition, when it had one: a release puts back exactly this. */
    condition: z
      .object({
        title: z.string().max(200),
        expression: z.string().max(2000),
        description: z.string().max(500).optional(),
      })
      .optional(),
    from: TimelineEntry,
  }),
);
export type GcpFinding = z.infer<typeof GcpFinding>;

export const Finding = lazySchema(() => z.discriminatedUnion('provider', [AwsFinding, EntraFinding, GcpFinding]));
export type Finding = z.infer<typeof Finding>;

/**
 * What one provider's sweep read and found, in one account, tenant or project (`scope`). The same shape for every
 * provider: the playbook merges them into one timeline.
 */
export interface ProviderSweep {
  provider: 'aws' | 'entra' | 'gcp';
  /** The account id, tenant id or project id read. */
  scope: string;
  timeline: TimelineEntry[];
  findings: Finding[];
  /** Pages read (throttled tries not counted). */
  lookups: number;
  /** Something the reader could not read (a page cap reached): the sweep says so rather than claim completeness. */
  incomplete?: string;
}

/** What the sweep of one AWS account read and found. */
export type AwsSweep = Omit<ProviderSweep, 'findings'> & { provider: 'aws'; accountId: string; findings: AwsFinding[] };

/** The identity of a finding: the same thing found twice (by two lookups, or two sweeps) is one finding. */
export function findingKey(finding: Finding): string {
  switch (finding.provider) {
    case 'aws':
      return [
        'aws',
        finding.kind,
        finding.accountId,
        finding.userName,
        finding.roleName,
        finding.accessKeyId,
        finding.policy,
      ].join('|');
    case 'entra':
      return [
        'entra',
        finding.kind,
        finding.tenantId,
        finding.appId ?? finding.servicePrincipalId ?? finding.applicationId,
        finding.credentialId,
      ].join('|');
    case 'gcp':
      return [
        'gcp',
        finding.kind,
        finding.projectId,
        finding.email,
        finding.keyName,
        finding.member,
        finding.role,
      ].join('|');
  }
}

/** Timeline entries each once (by provider and event id), oldest first. */
export function mergeTimeline(entries: TimelineEntry[]): TimelineEntry[] {
  const seen = new Map<string, TimelineEntry>();
  for (const entry of entries) {
    const key = `${entry.provider}|${entry.eventId}`;
    if (!seen.has(key)) seen.set(key, entry);
  }
  return [...seen.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.eventId.localeCompare(b.eventId));
}

/** Findings each once (findingKey), in the order first found. */
export function dedupeFindings<F extends Finding>(findings: F[]): F[] {
  const keys = new Set<string>();
  return findings.filter((finding) => {
    const key = findingKey(finding);
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
}

/** A CloudTrail event as the sweep reads it: the lookup's fields and the record's (`CloudTrailEvent`). */
export interface AwsTrailEvent {
  eventId: string;
  eventName: string;
  eventTime: string;
  accessKeyId?: string | undefined;
  username?: string | undefined;
  readOnly: boolean;
  errorCode?: string | undefined;
  requestParameters?: Record<string, unknown> | null | undefined;
  responseElements?: Record<string, unknown> | null | undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const member = (value: unknown, key: string): unknown =>
  value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;

/** The timeline entry of a CloudTrail event. */
export function awsTimelineEntry(event: AwsTrailEvent): TimelineEntry {
  const parameters = event.requestParameters ?? {};
  const target =
    text(parameters['userName']) ?? text(parameters['roleName']) ?? text(parameters['roleArn']) ?? undefined;
  return {
    at: event.eventTime,
    provider: 'aws',
    action: event.eventName,
    by: event.accessKeyId || event.username || 'unknown',
    ...(target ? { target } : {}),
    ...(event.errorCode ? { error: event.errorCode } : {}),
    readOnly: event.readOnly,
    eventId: event.eventId,
  };
}

/**
 * What a CloudTrail event left behind, if anything: a refused call and a read leave nothing. `userName` is the
 * caller's own when a call named no user (IAM acts on the caller then).
 */
export function awsFindingOf(event: AwsTrailEvent, accountId: string): AwsFinding | undefined {
  if (event.errorCode || event.readOnly) return undefined;
  const from = awsTimelineEntry(event);
  const provider = 'aws' as const;
  const parameters = event.requestParameters ?? {};
  const response = event.responseElements ?? {};
  const userName = text(parameters['userName']) ?? event.username;
  switch (event.eventName) {
    case 'CreateAccessKey': {
      const key = member(response, 'accessKey');
      const accessKeyId = text(member(key, 'accessKeyId'));
      const owner = text(member(key, 'userName')) ?? userName;
      if (!accessKeyId) return undefined;
      return { provider, kind: 'aws.access-key', accountId, accessKeyId, ...(owner ? { userName: owner } : {}), from };
    }
    case 'CreateUser': {
      const created = text(member(member(response, 'user'), 'userName')) ?? text(parameters['userName']);
      return created ? { provider, kind: 'aws.user', accountId, userName: created, from } : undefined;
    }
    case 'CreateLoginProfile':
      return userName ? { provider, kind: 'aws.login-profile', accountId, userName, from } : undefined;
    case 'AttachUserPolicy':
    case 'PutUserPolicy': {
      const policy = text(parameters['policyArn']) ?? text(parameters['policyName']);
      return {
        provider,
        kind: 'aws.grant',
        accountId,
        ...(userName ? { userName } : {}),
        ...(policy ? { policy } : {}),
        from,
      };
    }
    case 'CreateRole':
    case 'UpdateAssumeRolePolicy': {
      const roleName = text(parameters['roleName']);
      return { provider, kind: 'aws.grant', accountId, ...(roleName ? { roleName } : {}), from };
    }
    case 'GetFederationToken':
    case 'GetSessionToken':
    case 'AssumeRole': {
      const accessKeyId = text(member(member(response, 'credentials'), 'accessKeyId'));
      const roleName = text(parameters['roleArn'])?.split('/').pop();
      return {
        provider,
        kind: 'aws.session',
        accountId,
        ...(accessKeyId ? { accessKeyId } : {}),
        ...(event.eventName === 'AssumeRole' && roleName ? { roleName } : userName ? { userName } : {}),
        from,
      };
    }
    default:
      return undefined;
  }
}

/**
 * The sweep of the events read: each once (by event id), oldest first, and the findings of those that left
 * something behind, each once (the same key found by two lookups is one finding).
 */
export function sweepOf(accountId: string, events: AwsTrailEvent[], lookups: number, incomplete?: string): AwsSweep {
  const seen = new Map<string, AwsTrailEvent>();
  for (const event of events) if (!seen.has(event.eventId)) seen.set(event.eventId, event);
  const ordered = [...seen.values()].sort(
    (a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || a.eventId.localeCompare(b.eventId),
  );
  const findings = dedupeFindings(ordered.flatMap((event) => awsFindingOf(event, accountId) ?? []));
  return {
    provider: 'aws',
    scope: accountId,
    accountId,
    timeline: ordered.map(awsTimelineEntry),
    findings,
    lookups,
    ...(incomplete ? { incomplete } : {}),
  };
}

/**
 * A credential the watch follows after the cut-off: what a containment step cut, named as the provider's trail names
 * the caller. `accessKey` is an AWS access key id (AKIA… or ASIA…); `user` an IAM user name or an Entra user's object
 * id; `app` an Entra app's client id; `serviceAccount` a GCP service account's email; `key` a GCP key's resource name.
 */
export const WatchedCredential = lazySchema(() =>
  z.object({
    provider: z.enum(['aws', 'entra', 'gcp']),
    /** The account id, tenant id or project id. */
    scope: z.string().min(1).max(64),
    kind: z.enum(['accessKey', 'user', 'app', 'serviceAccount', 'key']),
    id: z.string().min(1).max(500),
  }),
);
export type WatchedCredential = z.infer<typeof WatchedCredential>;

export const watchedKey = (credential: WatchedCredential): string =>
  `${credential.provider}|${credential.scope}|${credential.kind}|${credential.id}`;

/** One call the trail recorded for a watched credential after the cut-off. */
export interface WatchHit {
  credential: WatchedCredential;
  entry: TimelineEntry;
  /** The provider refused it (AccessDenied, an expired or removed secret): an attempt, not a breach. */
  refused: boolean;
}

/** What to read in one account, tenant or project: these credentials' calls from `since` (the cut-off). */
export interface WatchRequest {
  provider: 'aws' | 'entra' | 'gcp';
  scope: string;
  credentials: WatchedCredential[];
  since: string;
  until?: string;
}

/** What one provider's trail said of the watched credentials. */
export interface ProviderWatch {
  provider: 'aws' | 'entra' | 'gcp';
  scope: string;
  hits: WatchHit[];
  lookups: number;
  incomplete?: string;
}

/** What to look for in one AWS account's CloudTrail: the incident's credentials and users, over its window. */
export interface AwsSweepRequest {
  accountId: string;
  /** The stolen keys (AKIA…) and any session keys (ASIA…) already known. */
  accessKeyIds: string[];
  userNames: string[];
  /** The window's start (ISO 8601): CloudTrail's event history reaches back 90 days. */
  since: string;
  until?: string;
}

/** What to look for in one Entra tenant's audit and sign-in logs: what these apps and users did. */
export interface EntraSweepRequest {
  tenantId: string;
  /** Client ids. */
  appIds: string[];
  /** User object ids. */
  userIds: string[];
  since: string;
  until?: string;
}

/** What to look for in one Google Cloud project's audit logs: what these service accounts and keys did. */
export interface GcpSweepRequest {
  projectId: string;
  emails: string[];
  /** Key resource names, `projects/P/serviceAccounts/E/keys/K`. */
  keyNames: string[];
  since: string;
  until?: string;
}

/** One provider's sweep to run, as the playbook schedules it. */
export type SweepRequest =
  | { provider: 'aws'; request: AwsSweepRequest }
  | { provider: 'entra'; request: EntraSweepRequest }
  | { provider: 'gcp'; request: GcpSweepRequest };
