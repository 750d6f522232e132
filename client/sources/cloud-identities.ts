import type { AwsPrincipal, Principal } from '../../domain/principal.js';
import type { MissingField } from './source-adapter.js';

/**
 * Identity fields SIEMs copy from cloud audit logs (CloudTrail's userIdentity, Google's
 * authenticationInfo), read into principals the same way whichever SIEM carried them. Shared by
 * the CloudTrail, Splunk and Elastic adapters; each names the fields by its own paths so refusals
 * point at them, and one CloudTrail record names the same principals through each of them.
 */

/** A value read from a payload, with the path it was read from. */
export interface Found {
  field: string;
  value: string;
}

/** What a mapping produced: principals, and why others could not be made. */
export interface Mapped {
  principals: Principal[];
  issues: MissingField[];
}

/**
 * CloudTrail's `userIdentity` element, as a SIEM names its parts. Reference:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 */
export interface CloudTrailIdentity {
  /** `userIdentity.type`: IAMUser, AssumedRole, FederatedUser, Root, AWSService, … */
  type?: Found | undefined;
  arn?: Found | undefined;
  /** `userIdentity.userName` (IAM users only); a bare name with no type or ARN is read as an IAM user. */
  userName?: Found | undefined;
  /** Used only when no ARN carries the account (an access key alone, a bare user name). */
  accountId?: Found | undefined;
  /** `sessionContext.sessionIssuer`: the role (AssumedRole) or user (FederatedUser) behind a session. */
  issuerArn?: Found | undefined;
  issuerType?: Found | undefined;
  accessKeyId?: Found | undefined;
}

interface Arn {
  accountId: string;
  /** `user/alice`, `role/path/deploy`, `assumed-role/deploy/session`, `federated-user/bob`, `root`. */
  resource: string;
}

// arn:partition:service:region:account-id:resource (IAM and STS ARNs have no region).
function parseArn(arn: string): Arn | undefined {
  const match = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):(.+)$/.exec(arn);
  return match ? { accountId: match[1]!, resource: match[2]! } : undefined;
}

/** The friendly name at the end of an IAM path (`user/division/alice` → alice). */
function lastSegment(resource: string): string {
  return resource.slice(resource.lastIndexOf('/') + 1);
}

function nameFromArn(arn: Arn | undefined, kind: 'user' | 'role'): string | undefined {
  if (!arn?.resource.startsWith(`${kind}/`)) return undefined;
  return lastSegment(arn.resource);
}

/** `assumed-role/<role>/<session>` → the role's name. */
function roleOfSession(arn: Arn | undefined): string | undefined {
  const match = /^assumed-role\/([^/]+)\//.exec(arn?.resource ?? '');
  return match?.[1];
}

function typeOf(identity: CloudTrailIdentity, arn: Arn | undefined): string | undefined {
  if (identity.type) return identity.type.value;
  if (!arn) return identity.userName ? 'IAMUser' : undefined;
  if (arn.resource === 'root') return 'Root';
  if (arn.resource.startsWith('user/')) return 'IAMUser';
  if (arn.resource.startsWith('assumed-role/')) return 'AssumedRole';
  if (arn.resource.startsWith('federated-user/')) return 'FederatedUser';
  return undefined;
}

/**
 * The IAM principals behind a CloudTrail identity: the long-term access key an IAM user signed with,
 * else the user or role that made the call. A temporary key (ASIA…) is not a principal of its own: the
 * role or user that issued its session is. Root, AWS services and Identity Center users are reported,
 * not guessed at.
 */
export function principalsFromCloudTrail(identity: CloudTrailIdentity): Mapped {
  const principals: Principal[] = [];
  const issues: MissingField[] = [];
  const arn = identity.arn ? parseArn(identity.arn.value) : undefined;
  const issuer = identity.issuerArn ? parseArn(identity.issuerArn.value) : undefined;
  const accountId = arn?.accountId ?? issuer?.accountId ?? identity.accountId?.value;
  const type = typeOf(identity, arn);
  const typeField = identity.type?.field ?? identity.arn?.field ?? identity.userName?.field ?? '';

  if (identity.arn && !arn) {
    issues.push({ field: identity.arn.field, message: `"${identity.arn.value}" is not an IAM or STS ARN` });
  }
  const needAccount = (): string | undefined => {
    if (accountId) return accountId;
    issues.push({
      field: identity.accountId?.field ?? identity.arn?.field ?? typeField,
      message: 'no AWS account id: give the caller ARN or the account id',
    });
    return undefined;
  };

  switch (type) {
    case undefined:
      break;
    case 'IAMUser': {
      // Signed with a long-term key: that key is the stolen credential. It alone is the principal (the
      // plan also denies the user's sessions), as GuardDuty names it, so every source's alert about the
      // same key lands in one playbook and the user's other keys keep working.
      if (identity.accessKeyId?.value.startsWith('AKIA')) break;
      const userName = nameFromArn(arn, 'user') ?? identity.userName?.value;
      const account = needAccount();
      if (!userName) issues.push({ field: identity.arn?.field ?? typeField, message: 'no IAM user name' });
      else if (account) principals.push({ type: 'aws.user', accountId: account, userName });
      break;
    }
    case 'AssumedRole': {
      const roleName = nameFromArn(issuer, 'role') ?? roleOfSession(arn);
      const account = needAccount();
      if (!roleName) {
        issues.push({
          field: identity.issuerArn?.field ?? identity.arn?.field ?? typeField,
          message: 'no role name: give the session issuer ARN (role/…) or the assumed-role ARN',
        });
      } else if (account) principals.push({ type: 'aws.role', accountId: account, roleName });
      break;
    }
    case 'FederatedUser': {
      // GetFederationToken sessions: their permissions are the issuing user's, so containing that
      // user (an explicit deny) ends them (DESIGN.md, "AWS IAM / STS").
      const userName = nameFromArn(issuer, 'user');
      const account = needAccount();
      if (!userName) {
        issues.push({
          field: identity.issuerArn?.field ?? typeField,
          message:
            'a federated user session: give the session issuer ARN (the IAM user that called GetFederationToken)',
        });
      } else if (account) principals.push({ type: 'aws.user', accountId: account, userName });
      break;
    }
    case 'Root':
      issues.push({
        field: typeField,
        message:
          'the account root user: Revoker cannot contain root credentials; rotate them and review the account by hand',
      });
      break;
    default:
      issues.push({
        field: typeField,
        message: `identity type "${type}" has no IAM user or role Revoker can contain (IAMUser, AssumedRole or FederatedUser)`,
      });
  }

  const key = identity.accessKeyId?.value;
  if (key?.startsWith('AKIA') && type !== 'Root') {
    const account = needAccount();
    if (account) principals.push({ type: 'aws.accessKey', accountId: account, accessKeyId: key });
  }
  return { principals, issues };
}

/**
 * What a CloudTrail record says about whom it concerns, as a SIEM names its parts: the caller's
 * `userIdentity`, and for CreateAccessKey the key it made. Reference:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
export interface CloudTrailRecord extends CloudTrailIdentity {
  /** `eventName`. */
  eventName?: Found | undefined;
  /** `requestParameters.userName`: the user the call was made for. */
  requestUserName?: Found | undefined;
  /** `responseElements.accessKey.accessKeyId` and `.userName`: the key CreateAccessKey made. */
  createdKeyId?: Found | undefined;
  createdKeyUser?: Found | undefined;
  /** `recipientAccountId`: the account the call was made in, where the user it was made for lives. */
  recipientAccountId?: Found | undefined;
}

export interface CloudTrailMapped extends Mapped {
  /** The caller: the long-term key it signed with, else the user or role, in that order. */
  caller: AwsPrincipal[];
  /** The key CreateAccessKey made for another user (or that user, when the key id is not a long-term key's). */
  created?: { principal: AwsPrincipal; userName: string };
}

const LONG_TERM_KEY = /^AKIA[A-Z0-9]{16}$/;

/**
 * The principals a CloudTrail record names, whichever route carried it (EventBridge, a Splunk or an
 * Elastic alert): its caller, and the new key of a CreateAccessKey for another user, which is the
 * attacker's way back in and is contained by itself (that user's other keys keep working). A key
 * made for the caller's own user is contained through the caller already. A record whose caller
 * cannot be contained (root, an AWS service) names nothing, not just the key it made.
 */
export function principalsFromCloudTrailRecord(record: CloudTrailRecord): CloudTrailMapped {
  const { principals, issues } = principalsFromCloudTrail(record);
  const caller = principals.filter((p): p is AwsPrincipal => p.type.startsWith('aws.'));
  const [first] = caller;
  const userName = (record.createdKeyUser ?? record.requestUserName)?.value;
  if (
    !first ||
    record.eventName?.value !== 'CreateAccessKey' ||
    !userName ||
    (first.type === 'aws.user' && first.userName === userName)
  ) {
    return { principals: caller, issues, caller };
  }
  const accountId = record.recipientAccountId?.value ?? first.accountId;
  const accessKeyId = record.createdKeyId?.value ?? '';
  const principal: AwsPrincipal = LONG_TERM_KEY.test(accessKeyId)
    ? { type: 'aws.accessKey', accountId, accessKeyId }
    : { type: 'aws.user', accountId, userName };
  return { principals: [...caller, principal], issues, caller, created: { principal, userName } };
}

/** Whether an address is a user-managed service account's: `NAME@PROJECT.iam.gserviceaccount.com`. */
export function isServiceAccountEmail(email: string): boolean {
  return /^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/.test(email);
}

/** `NAME@PROJECT.iam.gserviceaccount.com` → PROJECT, the project that holds the account. */
export function projectOfServiceAccount(email: string): string | undefined {
  return /@([a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
}

/**
 * Cloud Audit Logs name the key as a scheme-less full resource name,
 * `//iam.googleapis.com/projects/P/serviceAccounts/E/keys/K` (AuthenticationInfo.serviceAccountKeyName);
 * the IAM API and Revoker use the relative name.
 */
export function gcpKeyName(value: string): string {
  return value.replace(/^\/\/iam\.googleapis\.com\//, '');
}
