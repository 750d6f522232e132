import { readFileSync } from 'node:fs';
import { z } from 'zod';
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
