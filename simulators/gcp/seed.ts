import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CUSTOM_ROLE_NAME, PREDEFINED_ROLES } from './roles.js';

const isoTime = z.iso.datetime({ message: 'must be an RFC 3339 UTC timestamp, e.g. 2026-01-31T12:00:00Z' });

const keySeed = z
  .object({
    keyId: z.string().regex(/^[0-9a-f]{40}$/, 'must be 40 lowercase hex characters, like the key ids Google assigns'),
    keyType: z.enum(['USER_MANAGED', 'SYSTEM_MANAGED']),
    /** GOOGLE_PROVIDED (default): Google generated the pair; USER_PROVIDED: an uploaded public key. */
    keyOrigin: z.enum(['GOOGLE_PROVIDED', 'USER_PROVIDED']).optional(),
    keyAlgorithm: z.enum(['KEY_ALG_RSA_2048', 'KEY_ALG_RSA_1024']).optional(),
    validAfterTime: isoTime,
    validBeforeTime: isoTime,
    disabled: z.boolean().optional(),
    /** PEM X.509 certificate of the public half (what keys.get returns as TYPE_X509_PEM_FILE). */
    publicKeyCertificate: z.string().optional(),
    /** PKCS#8 PEM private half: only for keys whose key file the sandbox hands out (never served by the API). */
    privateKey: z.string().optional(),
  })
  .superRefine((key, ctx) => {
    let certificateKey: KeyObject | undefined;
    let privateKey: KeyObject | undefined;
    if (key.publicKeyCertificate !== undefined) {
      try {
        certificateKey = new X509Certificate(key.publicKeyCertificate).publicKey;
      } catch {
        ctx.addIssue({ code: 'custom', path: ['publicKeyCertificate'], message: 'is not a PEM X.509 certificate' });
      }
    }
    if (key.privateKey !== undefined) {
      try {
        privateKey = createPrivateKey(key.privateKey);
        if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
      } catch {
        ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'is not a PEM RSA private key' });
      }
    }
    if (key.publicKeyCertificate === undefined && key.privateKey === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['publicKeyCertificate'],
        message: 'a key needs publicKeyCertificate or privateKey, or no JWT signed with it could be verified',
      });
    }
    if (certificateKey && privateKey) {
      const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
      if (!derived.equals(certificateKey.export({ type: 'spki', format: 'der' }))) {
        ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'does not match publicKeyCertificate' });
      }
    }
    if (key.keyType === 'SYSTEM_MANAGED' && key.privateKey !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['privateKey'],
        message: 'Google never releases the private half of a SYSTEM_MANAGED key',
      });
    }
    if (Date.parse(key.validBeforeTime) <= Date.parse(key.validAfterTime)) {
      ctx.addIssue({ code: 'custom', path: ['validBeforeTime'], message: 'must be after validAfterTime' });
    }
  });

const member = z
  .string()
  .regex(
    /^(?:serviceAccount|user|group|domain):\S+$/,
    'must look like serviceAccount:EMAIL (or user:, group:, domain:)',
  );

/** An IAM condition: a CEL expression with a title (https://cloud.google.com/iam/docs/conditions-overview). */
export const conditionSchema = z.object({
  title: z.string().min(1).max(100),
  expression: z.string().min(1).max(12800),
  description: z.string().max(256).optional(),
});

/** An allow policy reduced to its bindings (no audit configs); only serviceAccount: members call here. */
export const iamPolicySchema = z.object({
  bindings: z.array(z.object({ role: z.string(), members: z.array(member), condition: conditionSchema.optional() })),
});

const serviceAccountSeed = z.object({
  email: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}@[a-z0-9.-]+\.gserviceaccount\.com$/, 'must be a service account email'),
  uniqueId: z.string().regex(/^\d{21}$/, 'must be a 21-digit number'),
  displayName: z.string().max(100).optional(),
  description: z.string().max(256).optional(),
  disabled: z.boolean().optional(),
  /** The account's own allow policy: roles granted on it as a resource (e.g. roles/iam.serviceAccountTokenCreator). */
  iamPolicy: iamPolicySchema.optional(),
  keys: z.array(keySeed).refine((keys) => keys.filter((k) => k.keyType === 'USER_MANAGED').length <= 10, {
    message: 'Google allows at most 10 user-managed keys per service account',
  }),
});

/** Custom roles by full name, Google's Role shape reduced to its permissions. */
export const customRolesSchema = (name: z.ZodString) =>
  z.record(name, z.object({ includedPermissions: z.array(z.string().regex(/^[a-z]+\.[A-Za-z]+\.[A-Za-z]+$/)) }));

/** A project's parent in the resource hierarchy. */
export const PARENT_NAME = /^(?:organizations|folders)\/[1-9]\d{0,18}$/;
/** A custom role defined at an organization, usable in every policy under it (resolved against the hierarchy). */
export const ORGANIZATION_ROLE_NAME = /^organizations\/\d+\/roles\/[\w.]{3,64}$/;

export const gcpSeedSchema = z
  .object({
    projectId: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a project ID: 6-30 lowercase letters, digits or hyphens'),
    projectNumber: z.string().regex(/^\d{6,19}$/, 'must be a project number (digits only)'),
    serviceAccounts: z.array(serviceAccountSeed),
    /**
     * Where the project sits in the resource hierarchy (`hierarchy` option): `folders/N` or `organizations/N`.
     * Omitted: directly under the organization, when there is one.
     */
    parent: z
      .string()
      .regex(PARENT_NAME, 'must be folders/FOLDER_NUMBER or organizations/ORGANIZATION_NUMBER')
      .optional(),
    /** The project's IAM policy; only serviceAccount: members can call this simulator. */
    iamPolicy: iamPolicySchema.optional(),
    /**
     * Accounts whose access tokens may live up to 12 h (generateAccessToken's `lifetime`): the organization policy
     * constraints/iam.allowServiceAccountCredentialLifetimeExtension. Others get at most 1 h.
     */
    allowCredentialLifetimeExtension: z.array(z.string()).optional(),
    /** Custom roles by full name (projects/P/roles/R). */
    customRoles: customRolesSchema(
      z.string().regex(CUSTOM_ROLE_NAME, 'must be projects/PROJECT/roles/ROLE or organizations/N/roles/ROLE'),
    ).optional(),
  })
  .superRefine((seed, ctx) => {
    const emails = new Set<string>();
    const uniqueIds = new Set<string>();
    const keyIds = new Set<string>();
    seed.serviceAccounts.forEach((account, a) => {
      if (emails.has(account.email)) {
        ctx.addIssue({ code: 'custom', path: ['serviceAccounts', a, 'email'], message: `duplicate ${account.email}` });
      }
      if (uniqueIds.has(account.uniqueId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['serviceAccounts', a, 'uniqueId'],
          message: `duplicate ${account.uniqueId}`,
        });
      }
      emails.add(account.email);
      uniqueIds.add(account.uniqueId);
      account.keys.forEach((key, k) => {
        if (keyIds.has(key.keyId)) {
          ctx.addIssue({
            code: 'custom',
            path: ['serviceAccounts', a, 'keys', k, 'keyId'],
            message: `duplicate key ${key.keyId}`,
          });
        }
        keyIds.add(key.keyId);
      });
    });
    const knownRole = (role: string) =>
      role in PREDEFINED_ROLES || role in (seed.customRoles ?? {}) || ORGANIZATION_ROLE_NAME.test(role);
    seed.serviceAccounts.forEach((account, a) =>
      account.iamPolicy?.bindings.forEach((binding, b) => {
        if (knownRole(binding.role)) return;
        ctx.addIssue({
          code: 'custom',
          path: ['serviceAccounts', a, 'iamPolicy', 'bindings', b, 'role'],
          message: `unknown role ${binding.role}: use a predefined role or define it in customRoles`,
        });
      }),
    );
    seed.iamPolicy?.bindings.forEach((binding, b) => {
      // An organization's custom role is defined in the hierarchy, so it is checked when the organisation is assembled.
      const organizationRole = ORGANIZATION_ROLE_NAME.test(binding.role);
      if (!(binding.role in PREDEFINED_ROLES) && !(binding.role in (seed.customRoles ?? {})) && !organizationRole) {
        ctx.addIssue({
          code: 'custom',
          path: ['iamPolicy', 'bindings', b, 'role'],
          message: `unknown role ${binding.role}: use one of ${Object.keys(PREDEFINED_ROLES).join(', ')}, define it in customRoles, or name an organization's custom role`,
        });
      }
    });
  });

/** The seed as authors write it (optional fields may be omitted). */
export type GcpSeed = z.input<typeof gcpSeedSchema>;
/** The seed after validation. */
export type ValidatedGcpSeed = z.output<typeof gcpSeedSchema>;

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out === '' ? String(part) : `${out}.${String(part)}`;
  }, '');
}

/** Each issue as `field.path: message`, joined. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`).join('; ');
}

export class GcpSeedError extends Error {
  override readonly name = 'GcpSeedError';
}

/** Validates a seed; the error names each offending field, e.g. `serviceAccounts[1].keys[0].keyId`. */
export function parseGcpSeed(input: unknown, source = 'seed'): ValidatedGcpSeed {
  const result = gcpSeedSchema.safeParse(input);
  if (result.success) return result.data;
  throw new GcpSeedError(`Invalid Google Cloud seed ${source}: ${describeIssues(result.error)}`);
}

/** The parsed JSON of a fixture file; what names the kind of file in the error (`seed`, `hierarchy`). */
export function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GcpSeedError(
      `Cannot read Google Cloud ${what} ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export function loadGcpSeed(path: string): GcpSeed {
  return parseGcpSeed(readJsonFile(path, 'seed'), path);
}
