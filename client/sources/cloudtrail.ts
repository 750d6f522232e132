import { z } from 'zod';
import type { Alert } from '../../domain/alert.js';
import { describePrincipal, type AwsPrincipal } from '../../domain/principal.js';
import { principalsFromCloudTrail } from './cloud-identities.js';
import { defineSource, UnmappableAlert } from './source-adapter.js';

// CloudTrail's record (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
// as EventBridge delivers it in `detail`. Only what the mapping reads is declared; unknown fields are ignored.
const SessionIssuer = z.object({
  type: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  userName: z.string().optional(),
});

// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
const UserIdentity = z.object({
  type: z.string().min(1),
  principalId: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  accessKeyId: z.string().optional(),
  userName: z.string().optional(),
  sessionContext: z.object({ sessionIssuer: SessionIssuer.optional() }).optional(),
});

const Detail = z.object({
  userIdentity: UserIdentity,
  eventTime: z.iso.datetime({ offset: true }),
  eventSource: z.string().optional(),
  eventName: z.string().min(1),
  awsRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS Region such as us-east-1'),
  sourceIPAddress: z.string().optional(),
  errorCode: z.string().optional(),
  // null when the call has none (CreateAccessKey for the caller itself names no user).
  requestParameters: z.object({ userName: z.string().optional() }).nullish(),
  responseElements: z
    .object({ accessKey: z.object({ accessKeyId: z.string().optional(), userName: z.string().optional() }).optional() })
    .nullish(),
  eventID: z.string().min(1).max(256),
  recipientAccountId: z.string().optional(),
});

/** The EventBridge envelope of CloudTrail management events (detail-type "AWS API Call via CloudTrail"). */
const CloudTrailEvent = z.object({
  version: z.string().optional(),
  id: z.string().optional(),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  source: z.string().optional(),
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().optional(),
  detail: Detail,
});
type CloudTrailEvent = z.infer<typeof CloudTrailEvent>;
type UserIdentity = z.infer<typeof UserIdentity>;

/** Calls that mint credentials an attacker keeps: the ones this source maps. */
const CREDENTIAL_EVENTS = ['GetFederationToken', 'GetSessionToken', 'CreateAccessKey'] as const;
const LONG_TERM_KEY = /^AKIA[A-Z0-9]{16}$/;

/**
 * AWS CloudTrail management events, sent by an EventBridge rule to an API destination: a call that
 * minted credentials (a federation or session token, a new access key) contains its caller. The
 * event is evidence, not a verdict, so every alert is medium: under the default policy each step
 * waits for a responder's approval.
 */
export const cloudtrail = defineSource({
  name: 'cloudtrail',
  label: 'AWS CloudTrail',
  schema: CloudTrailEvent,
  toAlert: (event): Alert => {
    const { detail } = event;
    if (!(CREDENTIAL_EVENTS as readonly string[]).includes(detail.eventName)) {
      throw new UnmappableAlert([
        {
          field: 'detail.eventName',
          message: `${detail.eventName} is not mapped: Revoker takes ${CREDENTIAL_EVENTS.join(', ')} (narrow the EventBridge rule to these)`,
        },
      ]);
    }
    if (detail.errorCode) {
      throw new UnmappableAlert([
        {
          field: 'detail.errorCode',
          message: `the call failed (${detail.errorCode}) and minted no credentials: leave failed calls out of the rule ("errorCode": [{"exists": false}])`,
        },
      ]);
    }
    const [caller, ...signedWith] = callerOf(detail.userIdentity);
    const target = createdKeyOf(event, caller);
    const title = [
      detail.eventName,
      ...(target ? [`for ${target.userName}`] : []),
      `by ${caller.type === 'aws.accessKey' && detail.userIdentity.userName ? `IAM user ${detail.userIdentity.userName} (${caller.accountId}) with key ${caller.accessKeyId}` : describePrincipal(caller)}`,
      ...(detail.sourceIPAddress ? [`from ${detail.sourceIPAddress}`] : []),
    ].join(' ');
    return {
      source: 'cloudtrail',
      // CloudTrail's own id for the record: EventBridge retries carry the same one.
      id: detail.eventID,
      title: title.slice(0, 500),
      severity: 'medium',
      observedAt: detail.eventTime,
      link: `https://${detail.awsRegion}.console.aws.amazon.com/cloudtrail/home?region=${detail.awsRegion}#/events/${encodeURIComponent(detail.eventID)}`,
      principals: [caller, ...signedWith, ...(target ? [target.principal] : [])],
    };
  },
});

/**
 * The caller, read the way every adapter reads a CloudTrail identity (./cloud-identities.ts), so the
 * same call reported by a SIEM and by EventBridge names the same principals and joins one playbook.
 */
function callerOf(identity: UserIdentity): [AwsPrincipal, ...AwsPrincipal[]] {
  const issuer = identity.sessionContext?.sessionIssuer;
  const at = (field: string, value: string | undefined) => (value ? { field, value } : undefined);
  const { principals, issues } = principalsFromCloudTrail({
    type: at('detail.userIdentity.type', identity.type),
    arn: at('detail.userIdentity.arn', identity.arn),
    userName: at('detail.userIdentity.userName', identity.userName),
    accountId: at('detail.userIdentity.accountId', identity.accountId),
    issuerArn: at('detail.userIdentity.sessionContext.sessionIssuer.arn', issuer?.arn),
    issuerType: at('detail.userIdentity.sessionContext.sessionIssuer.type', issuer?.type),
    accessKeyId: at('detail.userIdentity.accessKeyId', identity.accessKeyId),
  });
  if (issues.length) throw new UnmappableAlert(issues);
  const aws = principals.filter((p): p is AwsPrincipal => p.type.startsWith('aws.'));
  // The key an IAM user signed with, else the user or role that made the call.
  const caller = aws[0];
  if (!caller) throw new UnmappableAlert([{ field: 'detail.userIdentity', message: 'names no IAM user or role' }]);
  return [caller, ...aws.filter((p) => p !== caller)];
}

/**
 * CreateAccessKey: the new key is the attacker's way back in, so it is contained by itself (that
 * user's other keys keep working), unless the caller is the whole user already.
 */
function createdKeyOf(
  event: CloudTrailEvent,
  caller: AwsPrincipal,
): { principal: AwsPrincipal; userName: string } | undefined {
  const { detail } = event;
  if (detail.eventName !== 'CreateAccessKey') return undefined;
  const created = detail.responseElements?.accessKey;
  const userName = created?.userName ?? detail.requestParameters?.userName;
  if (!userName || (caller.type === 'aws.user' && caller.userName === userName)) return undefined;
  // IAM users live in the account the call was made in.
  const accountId = detail.recipientAccountId ?? event.account ?? caller.accountId;
  const accessKeyId = created?.accessKeyId ?? '';
  return LONG_TERM_KEY.test(accessKeyId)
    ? { principal: { type: 'aws.accessKey', accountId, accessKeyId }, userName }
    : { principal: { type: 'aws.user', accountId, userName }, userName };
}
