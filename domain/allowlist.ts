import { z } from 'zod';
import type { Discovery } from './discovery.js';
import { parseGcpKeyName, principalKey, type Principal } from './principal.js';

/**
 * Known automation the detections flag by design (the Sigma rule's false positives: CI/CD service
 * principals, SIEM connectors, approved third-party apps). Every matcher given must match; each
 * entry says why, and the report repeats it.
 */
export const AllowlistEntry = z
  .strictObject({
    reason: z.string().min(1, 'say why this principal is never contained'),
    /** A glob over the principal key, e.g. `aws/123456789012/user/ci-*`. */
    principal: z.string().min(1).optional(),
    /** A glob over the principal's name: IAM user/role name, UPN or object id, service account email. */
    name: z.string().min(1).optional(),
    appId: z.string().min(1).optional(),
    awsAccount: z
      .string()
      .regex(/^\d{12}$/, 'an AWS account id is 12 digits')
      .optional(),
    gcpProject: z.string().min(1).optional(),
  })
  .refine((e) => e.principal ?? e.name ?? e.appId ?? e.awsAccount ?? e.gcpProject, {
    message: 'an allowlist entry needs at least one of principal, name, appId, awsAccount, gcpProject',
  });
export type AllowlistEntry = z.infer<typeof AllowlistEntry>;

function glob(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

function nameOf(principal: Principal): string {
  switch (principal.type) {
    case 'aws.user':
      return principal.userName;
    case 'aws.role':
      return principal.roleName;
    case 'aws.accessKey':
      return principal.accessKeyId;
    case 'entra.user':
      return principal.user;
    case 'entra.servicePrincipal':
      return principal.appId ?? principal.objectId ?? '';
    case 'gcp.serviceAccount':
      return principal.email;
    case 'gcp.key':
      return parseGcpKeyName(principal.keyName).email;
  }
}

function matches(entry: AllowlistEntry, principal: Principal, otherNames: string[] = []): boolean {
  const p = principal;
  if (entry.principal && !glob(entry.principal).test(principalKey(p))) return false;
  if (entry.name && ![nameOf(p), ...otherNames].some((name) => glob(entry.name ?? '').test(name))) return false;
  if (entry.appId && !(p.type === 'entra.servicePrincipal' && p.appId?.toLowerCase() === entry.appId.toLowerCase())) {
    return false;
  }
  if (entry.awsAccount && !('accountId' in p && p.accountId === entry.awsAccount)) return false;
  if (entry.gcpProject) {
    const project =
      p.type === 'gcp.serviceAccount'
        ? p.projectId
        : p.type === 'gcp.key'
          ? parseGcpKeyName(p.keyName).projectId
          : undefined;
    if (project !== entry.gcpProject) return false;
  }
  return true;
}

/** The first allowlist entry that covers the principal, if any. */
export function allowlisted(entries: readonly AllowlistEntry[], principal: Principal): AllowlistEntry | undefined {
  return entries.find((entry) => matches(entry, principal));
}

/**
 * The first entry that covers what discovery found behind the name the alert used: the owning user
 * of an access key, the object id and UPN of a user, the app id and display name of a service
 * principal, the account of a key. An alert naming `ci-deployer`'s key is then matched by
 * `{ name: 'ci-*' }` as the user itself would be.
 */
export function allowlistedDiscovery(
  entries: readonly AllowlistEntry[],
  discovery: Discovery,
): AllowlistEntry | undefined {
  const found = discovered(discovery);
  return entries.find((entry) => found.some(({ principal, names }) => matches(entry, principal, names)));
}

function discovered(d: Discovery): { principal: Principal; names?: string[] }[] {
  switch (d.type) {
    case 'aws.user':
      return [{ principal: { type: 'aws.user', accountId: d.accountId, userName: d.userName } }];
    case 'aws.role':
      return [{ principal: { type: 'aws.role', accountId: d.accountId, roleName: d.roleName } }];
    case 'entra.user':
      return [
        { principal: { type: 'entra.user', tenantId: d.tenantId, user: d.userId } },
        { principal: { type: 'entra.user', tenantId: d.tenantId, user: d.userPrincipalName } },
      ];
    case 'entra.servicePrincipal':
      return [
        { principal: { type: 'entra.servicePrincipal', tenantId: d.tenantId, appId: d.appId }, names: [d.displayName] },
        { principal: { type: 'entra.servicePrincipal', tenantId: d.tenantId, objectId: d.servicePrincipalId } },
      ];
    case 'gcp.serviceAccount':
      return [{ principal: { type: 'gcp.serviceAccount', projectId: d.projectId, email: d.email } }];
  }
}
