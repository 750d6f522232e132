import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import type { Principal } from '../../domain/principal.js';
import { defineSource, UnmappableAlert } from './source-adapter.js';

// The finding is GuardDuty's Finding object as GetFindings returns it, delivered by EventBridge in
// `detail` (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html). Only what
// the mapping reads is declared; GuardDuty adds fields over time, and unknown ones are ignored.
const AccessKeyDetails = z.object({
  accessKeyId: z.string().optional(),
  principalId: z.string().optional(),
  userName: z.string().optional(),
  // IAMUser | AssumedRole | Root | FederatedUser, among others: checked by the mapping, which
  // explains what to do about the ones Revoker cannot contain.
  userType: z.string().optional(),
});

const Finding = z.object({
  schemaVersion: z.string().optional(),
  accountId: z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits'),
  region: z.string().optional(),
  partition: z.string().optional(),
  id: z.string().min(1).max(256),
  type: z.string().min(1),
  // "The value of the severity can fall anywhere within the 1.0 to 10.0 range" (Severity levels of
  // GuardDuty findings); 0 was once reserved, so it is accepted as low.
  severity: z.number().min(0).max(10),
  title: z.string().optional(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  resource: z.object({
    resourceType: z.string().optional(),
    accessKeyDetails: AccessKeyDetails.optional(),
  }),
  service: z
    .object({
      eventLastSeen: z.iso.datetime({ offset: true }).optional(),
      // Findings made by CreateSampleFindings say so here, as an object or as its JSON text.
      additionalInfo: z.object({ sample: z.boolean().optional(), value: z.string().optional() }).optional(),
    })
    .optional(),
});

/** The EventBridge envelope (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html). */
const GuardDutyEvent = z.object({
  version: z.string().optional(),
  id: z.string().optional(),
  'detail-type': z.literal('GuardDuty Finding'),
  source: z.literal('aws.guardduty'),
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS Region such as us-east-1'),
  detail: Finding,
});
type GuardDutyEvent = z.infer<typeof GuardDutyEvent>;

const LONG_TERM_KEY = /^AKIA[A-Z0-9]{16}$/;
const KEY_DETAILS = 'detail.resource.accessKeyDetails';

/** GuardDuty's bands: Low 1.0-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0. */
export function guardDutySeverity(value: number): Severity {
  if (value >= 9) return 'critical';
  if (value >= 7) return 'high';
  if (value >= 4) return 'medium';
  return 'low';
}

/**
 * Amazon GuardDuty findings, sent by an EventBridge rule to an API destination. The finding's
 * access key details name what to contain: a long-term key (the key, resolved to its user), a
 * temporary key (the user or role that issued it), never the root user.
 */
export const guardduty = defineSource({
  name: 'guardduty',
  label: 'Amazon GuardDuty',
  schema: GuardDutyEvent,
  toAlert: (event): Alert => {
    const finding = event.detail;
    const link = consoleLink(event);
    return {
      source: 'guardduty',
      // Stable across updates: GuardDuty resends a finding with the same id as its count grows,
      // and Revoker then answers "duplicate" without starting anything.
      id: finding.id,
      title: (finding.title ?? finding.type).slice(0, 500),
      severity: guardDutySeverity(finding.severity),
      observedAt: finding.service?.eventLastSeen ?? finding.updatedAt,
      ...(link ? { link } : {}),
      principals: [principalOf(finding)],
    };
  },
});

function principalOf(finding: GuardDutyEvent['detail']): Principal {
  if (isSample(finding)) {
    throw new UnmappableAlert([
      {
        field: 'detail.service.additionalInfo.sample',
        message: 'a sample finding (CreateSampleFindings) names no real credentials: nothing to contain',
      },
    ]);
  }
  const details = finding.resource.accessKeyDetails;
  if (!details) {
    throw new UnmappableAlert([
      {
        field: KEY_DETAILS,
        message: `a ${finding.resource.resourceType ?? 'resource'} finding names no IAM credentials: send only findings about access keys (resourceType AccessKey)`,
      },
    ]);
  }
  const accountId = finding.accountId;
  const { accessKeyId = '', userName, userType } = details;
  switch (userType) {
    case 'IAMUser':
      // A long-term key is contained by itself: the planner resolves it to its user, deactivates and
      // deletes just that key and ends the user's sessions, leaving the user's other keys working.
      if (LONG_TERM_KEY.test(accessKeyId)) return { type: 'aws.accessKey', accountId, accessKeyId };
      // A temporary key (GetSessionToken) cannot be deactivated; the user that issued it is contained,
      // which ends its sessions and every long-term key one of them may have come from.
      if (userName) return { type: 'aws.user', accountId, userName };
      throw new UnmappableAlert([
        { field: `${KEY_DETAILS}.userName`, message: 'an IAM user finding without the user name' },
      ]);
    case 'AssumedRole':
      // Instance credentials (InstanceCredentialExfiltration.*) and any other role session: GuardDuty
      // names the role in userName and the session in principalId (ROLEID:session).
      if (userName) return { type: 'aws.role', accountId, roleName: userName };
      throw new UnmappableAlert([
        { field: `${KEY_DETAILS}.userName`, message: 'a role session without the role name' },
      ]);
    case 'Root':
      throw new UnmappableAlert([
        {
          field: `${KEY_DETAILS}.userType`,
          message:
            "the root user's credentials: IAM policies cannot restrict the root user, so Revoker cannot contain them. " +
            'Sign in as root, delete its access keys, change its password and MFA, and in an organization restrict root with an SCP',
        },
      ]);
    case 'FederatedUser':
      throw new UnmappableAlert([
        {
          field: `${KEY_DETAILS}.userType`,
          message:
            'a GetFederationToken session: GuardDuty does not say which IAM user issued it. Find the user in CloudTrail ' +
            '(userIdentity.sessionContext.sessionIssuer) and send it to Revoker, e.g. the GetFederationToken event to /alerts/cloudtrail',
        },
      ]);
    default:
      throw new UnmappableAlert([
        {
          field: `${KEY_DETAILS}.userType`,
          message: `${userType ? `"${userType}"` : 'no user type'}: Revoker contains IAM users, their access keys and IAM roles (IAMUser, AssumedRole)`,
        },
      ]);
  }
}

function isSample(finding: GuardDutyEvent['detail']): boolean {
  const info = finding.service?.additionalInfo;
  return info?.sample === true || /"sample"\s*:\s*true/.test(info?.value ?? '');
}

/** The finding in the GuardDuty console of its Region; only the commercial partition has this address. */
function consoleLink(event: GuardDutyEvent): string | undefined {
  if ((event.detail.partition ?? 'aws') !== 'aws') return undefined;
  const { region } = event;
  return `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${encodeURIComponent(event.detail.id)}`;
}
