import { z } from 'zod';
import type { Alert } from '../../domain/alert.js';
import { describePrincipal } from '../../domain/principal.js';
import { awsRegion, eitherShape, urlComponent } from './alert-fields.js';
import { principalsFromCloudTrailRecord, type Found } from './cloud-identities.js';
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
  arn: z.string().optional(),
  accountId: z.string().optional(),
  accessKeyId: z.string().optional(),
  userName: z.string().optional(),
  sessionContext: z.object({ sessionIssuer: SessionIssuer.optional() }).optional(),
});

const CloudTrailRecord = z.object({
  userIdentity: UserIdentity,
  eventTime: z.iso.datetime({ offset: true }),
  eventName: z.string().min(1),
  // Only the console link reads the Region: a value that is not one leaves the link out.
  awsRegion: z.string().optional().catch(undefined),
  sourceIPAddress: z.string().optional().catch(undefined),
  errorCode: z.string().optional(),
  // null when the call has none (CreateAccessKey for the caller itself names no user).
  requestParameters: z.object({ userName: z.string().optional() }).nullish(),
  responseElements: z
    .object({ accessKey: z.object({ accessKeyId: z.string().optional(), userName: z.string().optional() }).optional() })
    .nullish(),
  eventID: z.string().min(1).max(256),
  recipientAccountId: z.string().optional(),
});
type CloudTrailRecord = z.infer<typeof CloudTrailRecord>;

/** The EventBridge envelope of CloudTrail management events (detail-type "AWS API Call via CloudTrail"). */
const CloudTrailEvent = z.object({
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  account: z.string().optional(),
  detail: CloudTrailRecord,
});

/** A CloudTrail log file as it lands in S3 (`{"Records": [...]}`): one record per request. */
const CloudTrailLogFile = z.object({
  Records: z
    .array(CloudTrailRecord)
    .min(1, 'empty: the log file holds no record')
    .max(1, "post one record per request: send each of the log file's Records on its own"),
});

/**
 * The record in its EventBridge envelope; bare, as CloudTrail Lake, CloudWatch Logs or a hand
 * forwards it; or in a one-record log file. The record carries everything the mapping reads (its
 * account, Region and id), so all three map alike. `at` is where the record sits, for field names.
 */
const CloudTrailPayload = eitherShape(
  (body) => 'detail' in body || 'detail-type' in body,
  CloudTrailEvent.transform((event) => ({ record: event.detail, account: event.account, at: 'detail.' })),
  eitherShape(
    (body) => 'Records' in body,
    CloudTrailLogFile.transform((file) => ({ record: file.Records[0]!, account: undefined, at: 'Records.0.' })),
    CloudTrailRecord.transform((record) => ({ record, account: undefined, at: '' })),
  ),
);
type CloudTrailPayload = z.infer<typeof CloudTrailPayload>;

/** Calls that mint credentials an attacker keeps: the ones this source maps. */
const CREDENTIAL_EVENTS = ['GetFederationToken', 'GetSessionToken', 'CreateAccessKey'] as const;

/**
 * AWS CloudTrail management events, sent by an EventBridge rule to an API destination: a call that
 * minted credentials (a federation or session token, a new access key) contains its caller. The
 * event is evidence, not a verdict, so every alert is medium: under the default policy each step
 * waits for a responder's approval.
 */
export const cloudtrail = defineSource({
  name: 'cloudtrail',
  label: 'AWS CloudTrail',
  schema: CloudTrailPayload,
  toAlert: ({ record, account, at }: CloudTrailPayload): Alert => {
    if (!(CREDENTIAL_EVENTS as readonly string[]).includes(record.eventName)) {
      throw new UnmappableAlert([
        {
          field: `${at}eventName`,
          message: `${record.eventName} is not mapped: Revoker takes ${CREDENTIAL_EVENTS.join(', ')} (narrow the EventBridge rule to these)`,
        },
      ]);
    }
    if (record.errorCode) {
      throw new UnmappableAlert([
        {
          field: `${at}errorCode`,
          message: `the call failed (${record.errorCode}) and minted no credentials: leave failed calls out of the rule ("errorCode": [{"exists": false}])`,
        },
      ]);
    }
    const { principals, issues, caller, created } = principalsFromCloudTrailRecord(recordFields(record, account, at));
    const [by] = caller;
    if (issues.length) throw new UnmappableAlert(issues);
    if (!by) throw new UnmappableAlert([{ field: `${at}userIdentity`, message: 'names no IAM user or role' }]);
    const { userIdentity } = record;
    const title = [
      record.eventName,
      ...(created ? [`for ${created.userName}`] : []),
      `by ${by.type === 'aws.accessKey' && userIdentity.userName ? `IAM user ${userIdentity.userName} (${by.accountId}) with key ${by.accessKeyId}` : describePrincipal(by)}`,
      ...(record.sourceIPAddress ? [`from ${record.sourceIPAddress}`] : []),
    ].join(' ');
    const link = consoleLink(record);
    return {
      source: 'cloudtrail',
      // CloudTrail's own id for the record: EventBridge retries carry the same one.
      id: record.eventID,
      title: title.slice(0, 500),
      severity: 'medium',
      observedAt: record.eventTime,
      ...(link ? { link } : {}),
      principals,
    };
  },
});

/**
 * The record's fields for the mapping every route shares (./cloud-identities.ts), so the same call
 * reported by a SIEM and by EventBridge names the same principals and joins one playbook.
 */
function recordFields(record: CloudTrailRecord, account: string | undefined, at: string) {
  const found = (field: string, value: string | undefined): Found | undefined =>
    value ? { field: `${at}${field}`, value } : undefined;
  const identity = record.userIdentity;
  const issuer = identity.sessionContext?.sessionIssuer;
  const key = record.responseElements?.accessKey;
  return {
    type: found('userIdentity.type', identity.type),
    arn: found('userIdentity.arn', identity.arn),
    userName: found('userIdentity.userName', identity.userName),
    accountId: found('userIdentity.accountId', identity.accountId),
    issuerArn: found('userIdentity.sessionContext.sessionIssuer.arn', issuer?.arn),
    issuerType: found('userIdentity.sessionContext.sessionIssuer.type', issuer?.type),
    accessKeyId: found('userIdentity.accessKeyId', identity.accessKeyId),
    eventName: found('eventName', record.eventName),
    requestUserName: found('requestParameters.userName', record.requestParameters?.userName ?? undefined),
    createdKeyId: found('responseElements.accessKey.accessKeyId', key?.accessKeyId),
    createdKeyUser: found('responseElements.accessKey.userName', key?.userName),
    // IAM users live in the account the call was made in.
    recipientAccountId: found('recipientAccountId', record.recipientAccountId ?? account),
  };
}

/** The event in the CloudTrail console of its Region; a Region that is not one leaves the link out. */
function consoleLink(record: CloudTrailRecord): string | undefined {
  const region = awsRegion(record.awsRegion);
  return region
    ? `https://${region}.console.aws.amazon.com/cloudtrail/home?region=${region}#/events/${urlComponent(record.eventID)}`
    : undefined;
}
