import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AWS_MANAGED_POLICIES, customerPolicyArn } from './managed-policies.js';
import { parsePolicyObject, policySize, PolicyError, type PolicyKind } from './policy-doc.js';

/** IAM name grammar shared by users, roles and policies: `[\w+=,.@-]+`. */
const iamName = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\w+=,.@-]+$/, 'must match IAM name pattern [\\w+=,.@-]+');

const iamPath = z.string().regex(/^\/(?:[\x21-\x7e]+\/)?$/, 'must be "/" or "/segment/.../" (IAM path)');
const isoDate = z.iso.datetime({ message: 'must be an ISO 8601 UTC timestamp, e.g. 2026-01-31T12:00:00Z' });

const policyDocument = (kind: PolicyKind) =>
  z.record(z.string(), z.unknown()).superRefine((doc, ctx) => {
    try {
      parsePolicyObject(doc, kind);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      ctx.addIssue({ code: 'custom', message: `invalid policy document: ${error.message}` });
    }
  });

const inlinePolicies = z.record(iamName(128), policyDocument('identity'));

/** Managed policies attached by ARN: AWS's (managed-policies.ts) or the account's own (`managedPolicies`). */
const policyArn = z
  .string()
  .regex(/^arn:aws:iam::(?:aws|\d{12}):policy\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]+$/, 'must be a policy ARN');
// AWS quota: 10 managed policies attached to a user, group or role by default.
const attachedPolicies = z.array(policyArn).max(10, 'IAM allows 10 managed policies per identity by default');

const groupSeed = z.object({
  groupName: iamName(128),
  path: iamPath.optional(),
  createDate: isoDate.optional(),
  attachedPolicies: attachedPolicies.optional(),
  inlinePolicies: inlinePolicies.optional(),
});

const managedPolicySeed = z.object({
  policyName: iamName(128),
  path: iamPath.optional(),
  description: z.string().optional(),
  document: policyDocument('identity'),
});

const accessKeySeed = z.object({
  accessKeyId: z.string().regex(/^AKIA[A-Z0-9]{16}$/, 'must be "AKIA" followed by 16 uppercase letters/digits'),
  secretAccessKey: z.string().regex(/^[A-Za-z0-9/+]{40}$/, 'must be 40 characters of [A-Za-z0-9/+]'),
  status: z.enum(['Active', 'Inactive']).optional(),
  createDate: isoDate.optional(),
  lastUsed: z.object({ date: isoDate, serviceName: z.string().min(1), region: z.string().min(1) }).optional(),
});

const userSeed = z
  .object({
    userName: iamName(64),
    userId: z
      .string()
      .regex(/^AIDA[A-Z0-9]{16,17}$/, 'must be "AIDA" followed by 16-17 uppercase letters/digits')
      .optional(),
    path: iamPath.optional(),
    createDate: isoDate.optional(),
    // AWS quota: at most two access keys per user.
    accessKeys: z.array(accessKeySeed).max(2, 'IAM allows at most 2 access keys per user'),
    inlinePolicies: inlinePolicies.optional(),
    attachedPolicies: attachedPolicies.optional(),
    /** The groups (by name) it is a member of. */
    groups: z.array(iamName(128)).optional(),
    loginProfile: z.object({ createDate: isoDate, passwordResetRequired: z.boolean().optional() }).optional(),
  })
  .superRefine((user, ctx) => {
    const total = Object.values(user.inlinePolicies ?? {}).reduce<number>(
      (sum, doc) => sum + policySize(JSON.stringify(doc)),
      0,
    );
    // AWS quota: a user's inline policies may total 2,048 non-whitespace characters.
    if (total > 2048) {
      ctx.addIssue({
        code: 'custom',
        path: ['inlinePolicies'],
        message: `inline policies total ${total} characters; IAM allows 2048 per user`,
      });
    }
  });

const roleSeed = z.object({
  roleName: iamName(64),
  roleId: z
    .string()
    .regex(/^AROA[A-Z0-9]{16,17}$/, 'must be "AROA" followed by 16-17 uppercase letters/digits')
    .optional(),
  /** Service-linked roles live under `/aws-service-role/` and refuse inline policy changes. */
  path: iamPath.optional(),
  description: z.string().optional(),
  createDate: isoDate.optional(),
  maxSessionDuration: z.number().int().min(3600).max(43200).optional(),
  assumeRolePolicy: policyDocument('trust'),
  inlinePolicies: inlinePolicies.optional(),
  attachedPolicies: attachedPolicies.optional(),
  /** RoleLastUsed as GetRole reports it: when a session of the role last made a request, and in which Region. */
  lastUsed: z.object({ date: isoDate, region: z.string().min(1) }).optional(),
});

const bucketSeed = z.union([
  z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
  z.object({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
    creationDate: isoDate,
  }),
]);

export const awsSeedSchema = z
  .object({
    accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    users: z.array(userSeed),
    roles: z.array(roleSeed),
    groups: z.array(groupSeed).optional(),
    /** Customer managed policies, `arn:aws:iam::<account>:policy<path><name>`. */
    managedPolicies: z.array(managedPolicySeed).optional(),
    buckets: z.array(bucketSeed).optional(),
  })
  .superRefine((seed, ctx) => {
    const seenUsers = new Set<string>();
    const seenKeys = new Set<string>();
    seed.users.forEach((user, u) => {
      if (seenUsers.has(user.userName)) {
        ctx.addIssue({ code: 'custom', path: ['users', u, 'userName'], message: `duplicate user ${user.userName}` });
      }
      seenUsers.add(user.userName);
      user.accessKeys.forEach((key, k) => {
        if (seenKeys.has(key.accessKeyId)) {
          ctx.addIssue({
            code: 'custom',
            path: ['users', u, 'accessKeys', k, 'accessKeyId'],
            message: `duplicate access key ${key.accessKeyId}`,
          });
        }
        seenKeys.add(key.accessKeyId);
      });
    });
    const groups = new Set((seed.groups ?? []).map((g) => g.groupName));
    const known = new Set([
      ...AWS_MANAGED_POLICIES.keys(),
      ...(seed.managedPolicies ?? []).map((p) => customerPolicyArn(seed.accountId, p.path ?? '/', p.policyName)),
    ]);
    const attachable = (path: (string | number)[], arns: string[] | undefined) =>
      arns?.forEach((arn, i) => {
        if (!known.has(arn)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'attachedPolicies', i], message: `no managed policy ${arn}` });
        }
      });
    seed.users.forEach((user, u) => {
      attachable(['users', u], user.attachedPolicies);
      user.groups?.forEach((group, g) => {
        if (!groups.has(group))
          ctx.addIssue({ code: 'custom', path: ['users', u, 'groups', g], message: `no group ${group}` });
      });
    });
    seed.roles.forEach((role, r) => attachable(['roles', r], role.attachedPolicies));
    seed.groups?.forEach((group, g) => attachable(['groups', g], group.attachedPolicies));
    const seenRoles = new Set<string>();
    seed.roles.forEach((role, r) => {
      if (seenRoles.has(role.roleName)) {
        ctx.addIssue({ code: 'custom', path: ['roles', r, 'roleName'], message: `duplicate role ${role.roleName}` });
      }
      seenRoles.add(role.roleName);
    });
  });

/** The seed as authors write it (optional fields may be omitted). */
export type AwsSeed = z.input<typeof awsSeedSchema>;
/** The seed after validation. */
export type ValidatedAwsSeed = z.output<typeof awsSeedSchema>;

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out === '' ? String(part) : `${out}.${String(part)}`;
  }, '');
}

export class AwsSeedError extends Error {}

/** Validates a seed object; the error message names each offending field, e.g. `users[1].accessKeys[0].accessKeyId`. */
export function parseAwsSeed(input: unknown, source = 'seed'): ValidatedAwsSeed {
  const result = awsSeedSchema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`);
  throw new AwsSeedError(`Invalid AWS seed ${source}: ${details.join('; ')}`);
}

export function loadAwsSeed(path: string): AwsSeed {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AwsSeedError(`Cannot read AWS seed ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseAwsSeed(raw, path);
}
