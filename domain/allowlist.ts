import { z } from 'zod';
import type { Discovery } from './discovery.js';
import { parseGcpKeyName, principalKey, type Principal } from './principal.js';
import { lazySchema } from './lazy-schema.js';

/**
 * Known automation the detections flag by design (the Sigma rule's false positives: CI/CD service
 * principals, SIEM connectors, approved third-party apps). Every matcher given must match; each
 * entry says why, and the report repeats it.
 *
 * An Entra app's display name is chosen by whoever registered the app, for a multi-tenant app someone
 * outside the tenant: `name` matches it only in an entry with `appId`, or with `entraTenant` naming the
 * tenant the app is registered in (so only the tenant's own apps), never in an unscoped `{ name: 'ci-*' }`.
 */
export const AllowlistEntry = lazySchema(() =>
  z
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
      /** An Entra tenant id: the principal is in it, and an app's display name counts only for apps registered there. */
      entraTenant: z.string().min(1).optional(),
    })
    .refine((e) => e.principal ?? e.name ?? e.appId ?? e.awsAccount ?? e.gcpProject ?? e.entraTenant, {
      message: 'an allowlist entry needs at least one of principal, name, appId, awsAccount, gcpProject, entraTenant',
    }),
);
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
    case 'workspace.user':
      return principal.user;
    case 'workspace.app':
      return principal.clientId;
    case 'kubernetes.serviceAccount':
      return principal.name;
    case 'kubernetes.token':
      return principal.serviceAccount;
  }
}

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function matches(entry: AllowlistEntry, principal: Principal, otherNames: string[] = []): boolean {
  const p = principal;
  if (entry.principal && !glob(entry.principal).test(principalKey(p))) return false;
  if (entry.name && ![nameOf(p), ...otherNames].some((name) => glob(entry.name ?? '').test(name))) return false;
  if (entry.appId && !(p.type === 'entra.servicePrincipal' && p.appId?.toLowerCase() === entry.appId.toLowerCase())) {
    return false;
  }
  if (entry.awsAccount && !('accountId' in p && p.accountId === entry.awsAccount)) return false;
  if (entry.entraTenant && !('tenantId' in p && sameId(p.tenantId, entry.entraTenant))) return false;
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
 * principal (see AllowlistEntry), the account of a key. An alert naming `ci-deployer`'s key is then
 * matched by `{ name: 'ci-*' }` as the user itself would be.
 */
export function allowlistedDiscovery(
  entries: readonly AllowlistEntry[],
  discovery: Discovery,
): AllowlistEntry | undefined {
  const found = discovered(discovery);
  return entries.find((entry) =>
    found.some(({ principal, appDisplayName }) =>
      matches(entry, principal, appDisplayName && mayMatchAppName(entry, appDisplayName) ? [appDisplayName.name] : []),
    ),
  );
}

/** An app's display name is its registrant's choice: only an entry pinned to the app or to its home tenant reads it. */
function mayMatchAppName(entry: AllowlistEntry, app: { ownerTenantId?: string }): boolean {
  if (entry.appId) return true;
  return (
    entry.entraTenant !== undefined && app.ownerTenantId !== undefined && sameId(app.ownerTenantId, entry.entraTenant)
  );
}

interface Found {
  principal: Principal;
  /** A service principal's display name and the tenant its app is registered in. */
  appDisplayName?: { name: string; ownerTenantId?: string };
}

function discovered(d: Discovery): Found[] {
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
        {
          principal: { type: 'entra.servicePrincipal', tenantId: d.tenantId, appId: d.appId },
          appDisplayName: {
            name: d.displayName,
            ...(d.appOwnerTenantId ? { ownerTenantId: d.appOwnerTenantId } : {}),
          },
        },
        { principal: { type: 'entra.servicePrincipal', tenantId: d.tenantId, objectId: d.servicePrincipalId } },
      ];
    case 'gcp.serviceAccount':
      return [{ principal: { type: 'gcp.serviceAccount', projectId: d.projectId, email: d.email } }];
    case 'workspace.user':
      return [{ principal: { type: 'workspace.user', user: d.primaryEmail } }];
    case 'workspace.app':
      return [
        {
          principal: { type: 'workspace.app', domain: d.domain, clientId: d.clientId },
          appDisplayName: { name: d.displayText },
        },
      ];
    case 'kubernetes.serviceAccount':
      return [
        { principal: { type: 'kubernetes.serviceAccount', cluster: d.cluster, namespace: d.namespace, name: d.name } },
      ];
  }
}
