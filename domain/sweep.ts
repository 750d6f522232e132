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
  ]),
);
export type FindingKind = z.infer<typeof FindingKind>;

export const Finding = lazySchema(() =>
  z.object({
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
export type Finding = z.infer<typeof Finding>;

/** What the sweep of one AWS account read and found. */
export interface AwsSweep {
  accountId: string;
  timeline: TimelineEntry[];
  findings: Finding[];
  /** Pages read: one lookup per credential and user, and one more per further page (throttled tries not counted). */
  lookups: number;
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
export function awsFindingOf(event: AwsTrailEvent, accountId: string): Finding | undefined {
  if (event.errorCode || event.readOnly) return undefined;
  const from = awsTimelineEntry(event);
  const parameters = event.requestParameters ?? {};
  const response = event.responseElements ?? {};
  const userName = text(parameters['userName']) ?? event.username;
  switch (event.eventName) {
    case 'CreateAccessKey': {
      const key = member(response, 'accessKey');
      const accessKeyId = text(member(key, 'accessKeyId'));
      const owner = text(member(key, 'userName')) ?? userName;
      if (!accessKeyId) return undefined;
      return { kind: 'aws.access-key', accountId, accessKeyId, ...(owner ? { userName: owner } : {}), from };
    }
    case 'CreateUser': {
      const created = text(member(member(response, 'user'), 'userName')) ?? text(parameters['userName']);
      return created ? { kind: 'aws.user', accountId, userName: created, from } : undefined;
    }
    case 'CreateLoginProfile':
      return userName ? { kind: 'aws.login-profile', accountId, userName, from } : undefined;
    case 'AttachUserPolicy':
    case 'PutUserPolicy': {
      const policy = text(parameters['policyArn']) ?? text(parameters['policyName']);
      return {
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
      return { kind: 'aws.grant', accountId, ...(roleName ? { roleName } : {}), from };
    }
    case 'GetFederationToken':
    case 'GetSessionToken':
    case 'AssumeRole': {
      const accessKeyId = text(member(member(response, 'credentials'), 'accessKeyId'));
      const roleName = text(parameters['roleArn'])?.split('/').pop();
      return {
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
export function sweepOf(accountId: string, events: AwsTrailEvent[], lookups: number): AwsSweep {
  const seen = new Map<string, AwsTrailEvent>();
  for (const event of events) if (!seen.has(event.eventId)) seen.set(event.eventId, event);
  const ordered = [...seen.values()].sort(
    (a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || a.eventId.localeCompare(b.eventId),
  );
  const findings: Finding[] = [];
  const keys = new Set<string>();
  for (const event of ordered) {
    const finding = awsFindingOf(event, accountId);
    if (!finding) continue;
    const key = [finding.kind, finding.userName, finding.roleName, finding.accessKeyId, finding.policy].join('|');
    if (keys.has(key)) continue;
    keys.add(key);
    findings.push(finding);
  }
  return { accountId, timeline: ordered.map(awsTimelineEntry), findings, lookups };
}
