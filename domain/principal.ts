import { z } from 'zod';

// Identifier formats from the IAM reference ("IAM identifiers" and "IAM and AWS STS quotas"):
// names are 1-64 chars of [\w+=,.@-]; long-term access key ids start with AKIA, temporary ones with ASIA.
const awsAccountId = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits');
const iamName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w+=,.@-]+$/, 'IAM names use letters, digits and +=,.@_-');

export const AwsUserPrincipal = z.object({
  type: z.literal('aws.user'),
  accountId: awsAccountId,
  userName: iamName,
});

export const AwsRolePrincipal = z.object({
  type: z.literal('aws.role'),
  accountId: awsAccountId,
  roleName: iamName,
});

export const AwsAccessKeyPrincipal = z.object({
  type: z.literal('aws.accessKey'),
  accountId: awsAccountId,
  accessKeyId: z
    .string()
    .regex(
      /^AKIA[A-Z0-9]{16}$/,
      'a long-term access key id is AKIA followed by 16 letters or digits (for a temporary ASIA… key, name the user or role that issued it)',
    ),
});

export const Principal = z.discriminatedUnion('type', [AwsUserPrincipal, AwsRolePrincipal, AwsAccessKeyPrincipal]);

export type AwsUserPrincipal = z.infer<typeof AwsUserPrincipal>;
export type AwsRolePrincipal = z.infer<typeof AwsRolePrincipal>;
export type AwsAccessKeyPrincipal = z.infer<typeof AwsAccessKeyPrincipal>;
export type Principal = z.infer<typeof Principal>;
export type AwsPrincipal = AwsUserPrincipal | AwsRolePrincipal | AwsAccessKeyPrincipal;
export type Provider = 'aws' | 'entra' | 'gcp';

export function providerOf(principal: Principal): Provider {
  return principal.type.split('.')[0] as Provider;
}

/** A stable path naming the principal, used in workflow ids and search attributes. */
export function principalKey(principal: Principal): string {
  switch (principal.type) {
    case 'aws.user':
      return `aws/${principal.accountId}/user/${principal.userName}`;
    case 'aws.role':
      return `aws/${principal.accountId}/role/${principal.roleName}`;
    case 'aws.accessKey':
      return `aws/${principal.accountId}/access-key/${principal.accessKeyId}`;
  }
}

/** A short human label for UIs and reports. */
export function describePrincipal(principal: Principal): string {
  switch (principal.type) {
    case 'aws.user':
      return `IAM user ${principal.userName} (${principal.accountId})`;
    case 'aws.role':
      return `IAM role ${principal.roleName} (${principal.accountId})`;
    case 'aws.accessKey':
      return `access key ${principal.accessKeyId} (${principal.accountId})`;
  }
}
