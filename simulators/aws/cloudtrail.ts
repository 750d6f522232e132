// CloudTrail's management-event history for the sandbox: every call the simulator authenticates (the attacker's,
// the responder's, anyone's) becomes an event as CloudTrail records it, and `LookupEvents` serves them over the AWS
// JSON 1.1 protocol with CloudTrail's filters, paging, errors and rate limit. The unmodified CloudTrailClient talks to
// it with only `endpoint` and `credentials` set.
import { createHash, randomUUID } from 'node:crypto';
import { AwsError } from './errors.js';
import type { Caller } from './principal.js';
import { callerArn, callerUserId } from './principal.js';
import type { XmlObject } from './xml.js';

/** One event as `LookupEvents` returns it (times in epoch seconds on the wire). */
export interface TrailEvent {
  readonly account: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTime: Date;
  readonly readOnly: boolean;
  readonly accessKeyId: string;
  readonly username: string;
  readonly resources: readonly { ResourceType: string; ResourceName: string }[];
  /** The whole record, as CloudTrail stores it (`CloudTrailEvent` is this, as a JSON string). */
  readonly record: Record<string, unknown>;
}

export interface TrailCall {
  account: string;
  service: 'iam' | 'sts' | 's3' | 'cloudtrail';
  action: string;
  readOnly: boolean;
  caller: Caller;
  params: URLSearchParams;
  result?: XmlObject | undefined;
  error?: AwsError | undefined;
  now: Date;
  region: string;
  sourceIp?: string | undefined;
  requestId: string;
}

const LOOKUP_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
type LookupKey = (typeof LOOKUP_KEYS)[number];

/** Events older than this are gone from the event history (CloudTrail keeps 90 days). */
const RETENTION_MS = 90 * 24 * 3600 * 1000;
/** The sandbox keeps this many events at most (every account together), dropping the oldest; the state file none. */
const MAX_EVENTS = 20_000;
/** LookupEvents is limited to two requests a second per account and Region. */
const LOOKUPS_PER_SECOND = 2;
/** Parameters whose values CloudTrail never logs. */
const HIDDEN = new Set(['Password', 'NewPassword', 'OldPassword']);
/** Response members that are secret: CloudTrail leaves them out. */
const SECRET_MEMBERS = new Set(['SecretAccessKey', 'SessionToken']);

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function camelCased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCased);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !SECRET_MEMBERS.has(key))
        .map(([key, member]) => [lowerFirst(key), camelCased(member)]),
    );
  }
  return value;
}

/** The resources an event names, as CloudTrail's lookup by ResourceType/ResourceName finds them. */
function resourcesOf(call: TrailCall): { ResourceType: string; ResourceName: string }[] {
  const found: { ResourceType: string; ResourceName: string }[] = [];
  const add = (type: string, name: string | null | undefined) => {
    if (name && !found.some((r) => r.ResourceType === type && r.ResourceName === name)) {
      found.push({ ResourceType: type, ResourceName: name });
    }
  };
  add('AWS::IAM::User', call.params.get('UserName'));
  add('AWS::IAM::Role', call.params.get('RoleName'));
  add('AWS::IAM::Policy', call.params.get('PolicyArn'));
  add('AWS::IAM::AccessKey', call.params.get('AccessKeyId'));
  const created = (call.result?.['AccessKey'] ?? undefined) as { AccessKeyId?: string } | undefined;
  add('AWS::IAM::AccessKey', created?.AccessKeyId);
  add('AWS::IAM::Role', call.params.get('RoleArn'));
  return found;
}

function identityOf(caller: Caller, account: string): Record<string, unknown> {
  const base = {
    principalId: callerUserId(caller, account),
    arn: callerArn(caller, account),
    accountId: account,
    accessKeyId: caller.accessKeyId,
  };
  if (caller.type === 'user') return { type: 'IAMUser', ...base, userName: caller.user.userName };
  const attributes = { creationDate: caller.session.issuedAt, mfaAuthenticated: 'false' };
  // A session's issuer: the user who asked for a federation token, or the role assumed.
  const issued = (type: string, issuer: { type: string; userName: string }) => ({
    type,
    ...base,
    sessionContext: { sessionIssuer: { ...issuer, accountId: account }, attributes },
  });
  switch (caller.type) {
    case 'session':
      return { type: 'IAMUser', ...base, userName: caller.user.userName, sessionContext: { attributes } };
    case 'federation':
      return issued('FederatedUser', { type: 'IAMUser', userName: caller.user.userName });
    case 'assumed-role':
      return issued('AssumedRole', { type: 'Role', userName: caller.role.roleName });
  }
}

/** The `Username` lookup attribute: the IAM user, the federated user's name, or the role session's name. */
function usernameOf(caller: Caller): string {
  switch (caller.type) {
    case 'user':
    case 'session':
      return caller.user.userName;
    case 'federation':
      return caller.session.federatedName;
    case 'assumed-role':
      return caller.session.sessionName;
  }
}

export function trailEventOf(call: TrailCall): TrailEvent {
  const eventId = randomUUID();
  const eventSource = `${call.service}.amazonaws.com`;
  const requestParameters = Object.fromEntries(
    [...call.params]
      .filter(([key]) => key !== 'Action' && key !== 'Version')
      .map(([key, value]) => [lowerFirst(key), HIDDEN.has(key) ? 'HIDDEN_DUE_TO_SECURITY_REASONS' : value]),
  );
  const record: Record<string, unknown> = {
    eventVersion: '1.09',
    userIdentity: identityOf(call.caller, call.account),
    eventTime: call.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource,
    eventName: call.action,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIp ?? '127.0.0.1',
    userAgent: 'aws-sdk-js',
    ...(call.error ? { errorCode: call.error.code, errorMessage: call.error.message } : {}),
    requestParameters: Object.keys(requestParameters).length ? requestParameters : null,
    // Read-only calls log no response; secrets never.
    responseElements: call.readOnly || call.error || !call.result ? null : camelCased(call.result),
    requestID: call.requestId,
    eventID: eventId,
    readOnly: call.readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: call.account,
    eventCategory: 'Management',
  };
  return {
    account: call.account,
    eventId,
    eventName: call.action,
    eventSource,
    eventTime: call.now,
    readOnly: call.readOnly,
    accessKeyId: call.caller.accessKeyId,
    username: usernameOf(call.caller),
    resources: resourcesOf(call),
    record,
  };
}

const lookupError = (code: string, message: string) => new AwsError(code, message, 400);

function attributeOf(event: TrailEvent, key: LookupKey): string[] {
  switch (key) {
    case 'EventId':
      return [event.eventId];
    case 'EventName':
      return [event.eventName];
    case 'ReadOnly':
      return [String(event.readOnly)];
    case 'Username':
      return [event.username];
    case 'ResourceType':
      return event.resources.map((r) => r.ResourceType);
    case 'ResourceName':
      return event.resources.map((r) => r.ResourceName);
    case 'EventSource':
      return [event.eventSource];
    case 'AccessKeyId':
      return [event.accessKeyId];
  }
}

const seconds = (value: unknown, field: string): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw lookupError('SerializationException', `${field} must be a timestamp in epoch seconds`);
  }
  return value * 1000;
};

/**
 * The event history of every account the simulator serves. Events become visible to `LookupEvents` `deliveryDelayMs`
 * after they happen (CloudTrail delivers typically within 5 minutes, sometimes 15); 0 by default.
 */
export class EventHistory {
  private readonly events: TrailEvent[] = [];
  private readonly lookups = new Map<string, number[]>();
  deliveryDelayMs = 0;

  record(call: TrailCall): void {
    this.events.push(trailEventOf(call));
    // A sandbox that runs for days (npm start, a bench) keeps the latest events only, as a bounded memory.
    if (this.events.length > MAX_EVENTS + MAX_EVENTS / 10) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  /** Every event of an account so far, oldest first, delivered or not (tests read what happened). */
  all(account: string): readonly TrailEvent[] {
    return this.events.filter((e) => e.account === account);
  }

  clear(): void {
    this.events.length = 0;
    this.lookups.clear();
  }

  /** Throws ThrottlingException past two lookups a second in the account and Region. */
  throttle(account: string, region: string, now: Date): void {
    const key = `${account}/${region}`;
    const recent = (this.lookups.get(key) ?? []).filter((t) => now.getTime() - t < 1000);
    if (recent.length >= LOOKUPS_PER_SECOND) {
      this.lookups.set(key, recent);
      throw lookupError('ThrottlingException', 'Rate exceeded');
    }
    this.lookups.set(key, [...recent, now.getTime()]);
  }

  /** `LookupEvents`: newest first, one lookup attribute at most, pages of `MaxResults` (1–50, default 50). */
  lookup(account: string, body: unknown, now: Date): { Events: Record<string, unknown>[]; NextToken?: string } {
    const request = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const attributes = request['LookupAttributes'];
    if (attributes !== undefined && !Array.isArray(attributes)) {
      throw lookupError('SerializationException', 'LookupAttributes must be a list');
    }
    if ((attributes?.length ?? 0) > 1) {
      throw lookupError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
    }
    const attribute = attributes?.[0] as { AttributeKey?: unknown; AttributeValue?: unknown } | undefined;
    if (attribute && !LOOKUP_KEYS.includes(attribute.AttributeKey as LookupKey)) {
      throw lookupError(
        'InvalidLookupAttributesException',
        `Value '${String(attribute.AttributeKey)}' at 'lookupAttributes.1.member.attributeKey' failed to satisfy constraint: Member must satisfy enum value set: [${LOOKUP_KEYS.join(', ')}]`,
      );
    }
    if (attribute && (typeof attribute.AttributeValue !== 'string' || attribute.AttributeValue.length === 0)) {
      throw lookupError('InvalidLookupAttributesException', 'The attribute value must not be empty.');
    }
    const givenEnd = seconds(request['EndTime'], 'EndTime');
    const start = seconds(request['StartTime'], 'StartTime') ?? now.getTime() - RETENTION_MS;
    if (start > (givenEnd ?? now.getTime())) {
      throw lookupError('InvalidTimeRangeException', 'Start time must be before end time.');
    }
    const max = request['MaxResults'] ?? 50;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50) {
      throw lookupError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
    }
    // A NextToken is good only with the parameters that produced it (the same attribute and times), and it holds the
    // end of the first page's window, so events that happen while the caller pages do not shift the pages.
    const query = createHash('sha256')
      .update(
        JSON.stringify([
          attribute?.AttributeKey,
          attribute?.AttributeValue,
          request['StartTime'],
          request['EndTime'],
          request['EventCategory'],
        ]),
      )
      .digest('base64url')
      .slice(0, 16);
    let offset = 0;
    let end = givenEnd ?? now.getTime();
    const token = request['NextToken'];
    if (token !== undefined && token !== null) {
      const parsed = typeof token === 'string' ? /^([A-Za-z0-9_-]{16})\.(\d+)\.(\d+)$/.exec(token) : null;
      if (!parsed || parsed[1] !== query) {
        throw lookupError('InvalidNextTokenException', 'Invalid NextToken. The token is not valid for this request.');
      }
      end = Number(parsed[2]);
      offset = Number(parsed[3]);
    }
    const matching =
      request['EventCategory'] === 'insight'
        ? []
        : this.events
            .filter(
              (e) =>
                e.account === account &&
                e.eventTime.getTime() + this.deliveryDelayMs <= now.getTime() &&
                e.eventTime.getTime() >= Math.max(start, now.getTime() - RETENTION_MS) &&
                e.eventTime.getTime() <= end &&
                (!attribute ||
                  attributeOf(e, attribute.AttributeKey as LookupKey).includes(attribute.AttributeValue as string)),
            )
            .reverse();
    const page = matching.slice(offset, offset + max);
    return {
      Events: page.map((e) => ({
        EventId: e.eventId,
        EventName: e.eventName,
        ReadOnly: String(e.readOnly),
        AccessKeyId: e.accessKeyId,
        EventTime: e.eventTime.getTime() / 1000,
        EventSource: e.eventSource,
        Username: e.username,
        Resources: e.resources,
        CloudTrailEvent: JSON.stringify(e.record),
      })),
      ...(offset + max < matching.length ? { NextToken: `${query}.${end}.${offset + max}` } : {}),
    };
  }
}
