import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import type { Principal } from '../../domain/principal.js';
import { awsRegion, displayText, eitherShape, fallbackTimestamp, urlComponent } from './alert-fields.js';
import { notAServiceAccount, serviceAccountOf, serviceAccountPrincipal } from './kubernetes-users.js';
import { defineSource, IgnoredAlert, UnmappableAlert } from './source-adapter.js';

// The finding is GuardDuty's Finding object as GetFindings returns it, delivered by EventBridge in
// `detail` (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html). Only what
// the mapping reads is declared; GuardDuty adds fields over time, and unknown ones are ignored.
const AccessKeyDetails = z.object({
  accessKeyId: z.string().optional(),
  userName: z.string().optional(),
  // IAMUser | AssumedRole | Root | FederatedUser, among others: checked by the mapping, which
  // explains what to do about the ones Revoker cannot contain.
  userType: z.string().optional(),
});

// EKS audit log findings (resourceType EKSCluster): the cluster, and the Kubernetes user who called its API
// (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_KubernetesUserDetails.html). GuardDuty does not copy
// the audit event's `user.extra`, so a finding never says which Pod or token a service account's call came from;
// `kubernetesWorkloadDetails` is the workload the call was about, not the caller's.
const EksClusterDetails = z.object({ name: z.string().max(100).optional() });
const KubernetesDetails = z.object({
  kubernetesUserDetails: z.object({ username: z.string().max(512).optional() }).optional(),
});

const Finding = z.object({
  accountId: z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits'),
  // Only the console link reads the Region and the partition: a value that is not one leaves the link out.
  region: z.string().optional().catch(undefined),
  partition: z.string().optional().catch(undefined),
  id: z.string().min(1).max(256),
  // Display only, like the title it stands in for: a missing type never refuses the finding.
  type: displayText,
  // "The value of the severity can fall anywhere within the 1.0 to 10.0 range" (Severity levels of
  // GuardDuty findings); 0 was once reserved, so it is accepted as low.
  severity: z.number().min(0).max(10),
  title: displayText,
  updatedAt: z.iso.datetime({ offset: true }),
  resource: z.object({
    resourceType: z.string().optional(),
    accessKeyDetails: AccessKeyDetails.optional(),
    eksClusterDetails: EksClusterDetails.optional(),
    kubernetesDetails: KubernetesDetails.optional(),
  }),
  service: z
    .object({
      eventLastSeen: fallbackTimestamp,
      // Set when someone archived the finding, or a suppression rule did ("Finding": Service.Archived).
      archived: z.boolean().optional(),
      // Findings made by CreateSampleFindings say so here, as an object or as its JSON text.
      additionalInfo: z.object({ sample: z.boolean().optional(), value: z.string().optional() }).optional(),
    })
    .optional(),
});
type Finding = z.infer<typeof Finding>;

/** The EventBridge envelope (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html). */
const GuardDutyEvent = z.object({
  'detail-type': z.literal('GuardDuty Finding'),
  source: z.literal('aws.guardduty'),
  region: z.string().optional().catch(undefined),
  detail: Finding,
});

/**
 * The finding in its EventBridge envelope, or bare, as GetFindings, a Security Hub export or a hand
 * forwards it: the finding carries everything the mapping reads (its account, Region and id), so both
 * map alike. `at` is where the finding sits, for field names.
 */
const GuardDutyPayload = eitherShape(
  (body) => 'detail' in body || 'detail-type' in body,
  GuardDutyEvent.transform((event) => ({
    finding: event.detail,
    region: awsRegion(event.region) ?? awsRegion(event.detail.region),
    at: 'detail.',
  })),
  Finding.transform((finding) => ({ finding, region: awsRegion(finding.region), at: '' })),
);
type GuardDutyPayload = z.infer<typeof GuardDutyPayload>;

const LONG_TERM_KEY = /^AKIA[A-Z0-9]{16}$/;

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
 * temporary key (the user or role that issued it), never the root user. An EKS finding names a
 * Kubernetes user: a service account is contained in its cluster, named by the EKS cluster's name.
 */
export const guardduty = defineSource({
  name: 'guardduty',
  label: 'Amazon GuardDuty',
  schema: GuardDutyPayload,
  toAlert: ({ finding, region, at }: GuardDutyPayload): Alert => {
    if (finding.service?.archived) {
      // Archived by an analyst, or by a suppression rule (whose findings GuardDuty sends to no other
      // service: https://docs.aws.amazon.com/guardduty/latest/ug/findings_suppression-rule.html).
      throw new IgnoredAlert({
        field: `${at}service.archived`,
        reason: 'GuardDuty finding is archived',
        alertId: finding.id,
      });
    }
    const link = consoleLink(finding, region);
    return {
      source: 'guardduty',
      // Stable across updates: GuardDuty resends a finding with the same id as its count grows,
      // and Revoker then answers "duplicate" without starting anything.
      id: finding.id,
      title: (finding.title ?? finding.type ?? `GuardDuty finding ${finding.id}`).slice(0, 500),
      severity: guardDutySeverity(finding.severity),
      observedAt: finding.service?.eventLastSeen ?? finding.updatedAt,
      ...(link ? { link } : {}),
      principals: [principalOf(finding, at)],
    };
  },
});

function principalOf(finding: Finding, at: string): Principal {
  const keyDetails = `${at}resource.accessKeyDetails`;
  if (isSample(finding)) {
    throw new UnmappableAlert([
      {
        field: `${at}service.additionalInfo.sample`,
        message: 'a sample finding (CreateSampleFindings) names no real credentials: nothing to contain',
      },
    ]);
  }
  const kubernetes = kubernetesPrincipalOf(finding, at);
  if (kubernetes) return kubernetes;
  const details = finding.resource.accessKeyDetails;
  if (!details) {
    throw new UnmappableAlert([
      {
        field: keyDetails,
        message: `a ${finding.resource.resourceType ?? 'resource'} finding names no IAM credentials: send only findings about access keys (resourceType AccessKey) or EKS clusters (EKSCluster)`,
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
        { field: `${keyDetails}.userName`, message: 'an IAM user finding without the user name' },
      ]);
    case 'AssumedRole':
      // Instance credentials (InstanceCredentialExfiltration.*) and any other role session: GuardDuty
      // names the role in userName and the session in principalId (ROLEID:session).
      if (userName) return { type: 'aws.role', accountId, roleName: userName };
      throw new UnmappableAlert([{ field: `${keyDetails}.userName`, message: 'a role session without the role name' }]);
    case 'Root':
      throw new UnmappableAlert([
        {
          field: `${keyDetails}.userType`,
          message:
            "the root user's credentials: IAM policies cannot restrict the root user, so Revoker cannot contain them. " +
            'Sign in as root, delete its access keys, change its password and MFA, and in an organization restrict root with an SCP',
        },
      ]);
    case 'FederatedUser':
      throw new UnmappableAlert([
        {
          field: `${keyDetails}.userType`,
          message:
            'a GetFederationToken session: GuardDuty does not say which IAM user issued it. Find the user in CloudTrail ' +
            '(userIdentity.sessionContext.sessionIssuer) and send it to Revoker, e.g. the GetFederationToken event to /alerts/cloudtrail',
        },
      ]);
    default:
      throw new UnmappableAlert([
        {
          field: `${keyDetails}.userType`,
          message: `${userType ? `"${userType}"` : 'no user type'}: Revoker contains IAM users, their access keys and IAM roles (IAMUser, AssumedRole)`,
        },
      ]);
  }
}

/**
 * The service account an EKS finding's Kubernetes user is, in the cluster the topology lists under the EKS
 * cluster's name. Any other user (an IAM identity EKS maps to a username, such as kubernetes-admin, a node, an
 * anonymous request) is contained in AWS, if at all: nothing here when the finding also names its IAM credentials
 * (accessKeyDetails, mapped as any other finding's), else refused. Impersonation (`impersonatedUser`) does not
 * change who is contained: the caller's own credentials made the call.
 */
function kubernetesPrincipalOf(finding: Finding, at: string): Principal | undefined {
  const user = finding.resource.kubernetesDetails?.kubernetesUserDetails;
  if (!user) {
    if (finding.resource.resourceType !== 'EKSCluster' || finding.resource.accessKeyDetails) return undefined;
    throw new UnmappableAlert([
      {
        field: `${at}resource.kubernetesDetails.kubernetesUserDetails`,
        message:
          'an EKSCluster finding without the Kubernetes user who made the call (a Runtime Monitoring finding names a workload, not a credential): nothing Revoker can contain',
      },
    ]);
  }
  const username = { field: `${at}resource.kubernetesDetails.kubernetesUserDetails.username`, value: user.username };
  if (!username.value) {
    throw new UnmappableAlert([
      { field: username.field, message: "a Kubernetes finding without the caller's username" },
    ]);
  }
  if (!serviceAccountOf(username.value)) {
    if (finding.resource.accessKeyDetails) return undefined;
    throw new UnmappableAlert([
      {
        field: username.field,
        message: notAServiceAccount(
          username.value,
          "In EKS it is an IAM identity (a node's is its IAM role): contain the IAM principal in AWS instead, e.g. its CloudTrail event to /alerts/cloudtrail or an aws.role or aws.user through the generic route",
        ),
      },
    ]);
  }
  const cluster = finding.resource.eksClusterDetails?.name;
  if (!cluster) {
    throw new UnmappableAlert([
      {
        field: `${at}resource.eksClusterDetails.name`,
        message:
          "an EKS finding without the cluster's name: Revoker names the cluster by it (the topology's kubernetes.clusters[].id)",
      },
    ]);
  }
  return serviceAccountPrincipal(
    { field: `${at}resource.eksClusterDetails.name`, value: cluster },
    { field: username.field, value: username.value },
  );
}

function isSample(finding: Finding): boolean {
  const info = finding.service?.additionalInfo;
  return info?.sample === true || /"sample"\s*:\s*true/.test(info?.value ?? '');
}

/**
 * The finding in the GuardDuty console of its Region; only the commercial partition has this
 * address. No Region, or one that is not a Region, leaves the link out: it never refuses the finding.
 */
function consoleLink(finding: Finding, region: string | undefined): string | undefined {
  if (!region || (finding.partition ?? 'aws') !== 'aws') return undefined;
  return `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${urlComponent(finding.id)}`;
}
