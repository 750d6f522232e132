// What Entra discovery reads for the triage card (domain/card.ts): an app's consented delegated scopes and how many
// users gave them, its application permissions by value, a user's last sign-in. None of it decides containment, so a
// read Graph refuses becomes a line on the card (`unread`) and discovery goes on; throttling and outages still fail
// the activity, for Temporal to retry it whole.
import { z } from 'zod';
import type { EntraDelegatedReach, LastUse, Unread } from '../domain/discovery.js';
import { PermissionDeniedError, TargetNotFoundError } from './errors.js';
import type { GraphClient } from './graph-client.js';

/** oauth2PermissionGrant: `scope` is space-separated; AllPrincipals is admin consent for every user, with no principal. */
export const Grant = z
  .object({
    id: z.string(),
    consentType: z.string().nullable().optional(),
    principalId: z.string().nullable().optional(),
    resourceId: z.string().nullable().optional(),
    scope: z.string().nullable().optional(),
  })
  .loose();

/** appRoleAssignment: the role is named by id only; the resource's appRoles give its value. */
export const AppRoleAssignment = z
  .object({
    id: z.string(),
    appRoleId: z.string().nullable().optional(),
    resourceId: z.string().nullable().optional(),
    resourceDisplayName: z.string().nullable().optional(),
  })
  .loose();

const ResourceApi = z.object({
  id: z.string(),
  displayName: z.string().nullable().optional(),
  appRoles: z
    .array(z.object({ id: z.string(), value: z.string().nullable().optional() }).loose())
    .nullable()
    .optional(),
});

const SignInActivity = z.object({
  signInActivity: z
    .object({
      lastSignInDateTime: z.string().nullable().optional(),
      lastNonInteractiveSignInDateTime: z.string().nullable().optional(),
    })
    .loose()
    .nullable()
    .optional(),
});

/** Resource APIs looked up for their names and app roles; an app consented to more is shown by id beyond these. */
const RESOURCES_READ = 10;
/** The application permission with no role (the default access, appRoleId all zeros). */
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

/** Runs a card read; when Graph refuses it (403), notes what the card lacks and answers undefined. */
async function forCard<T>(unread: Unread[], note: Unread, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof PermissionDeniedError)) throw error;
    unread.push(note);
    return undefined;
  }
}

/**
 * An app's reach from its grants and app role assignments (already read for containment): the delegated scopes by
 * resource, admin consent apart from the users' own (whose count is the distinct users), and the application
 * permissions by their values, read from each resource's service principal.
 */
export async function readAppReach(
  graph: GraphClient,
  grants: z.infer<typeof Grant>[],
  assignments: z.infer<typeof AppRoleAssignment>[],
): Promise<{
  delegated: EntraDelegatedReach[];
  applicationPermissions: { resource: string; roles: string[] }[];
  unread: Unread[];
}> {
  const unread: Unread[] = [];
  const ids = [
    ...new Set([...grants, ...assignments].map((g) => g.resourceId?.toLowerCase()).filter((id) => id !== undefined)),
  ];
  let denied = false;
  const looked = await Promise.all(
    ids.slice(0, RESOURCES_READ).map(async (id) => {
      try {
        const { data } = await graph.get(`/servicePrincipals/${id}?$select=id,displayName,appRoles`, ResourceApi);
        return data;
      } catch (error) {
        // A resource deleted since its consent still names its grants: its roles are shown by id.
        if (error instanceof TargetNotFoundError) return undefined;
        if (!(error instanceof PermissionDeniedError)) throw error;
        denied = true;
        return undefined;
      }
    }),
  );
  const resources = new Map(looked.flatMap((r) => (r ? [[r.id.toLowerCase(), r] as const] : [])));
  if (denied) {
    unread.push({ part: 'reach', what: 'resource names and app role values', why: 'Application.Read.All denied' });
  }
  const nameOf = (id: string | null | undefined, fallback?: string | null) =>
    (id && resources.get(id.toLowerCase())?.displayName) || fallback || id || 'an unknown resource';

  const delegated: EntraDelegatedReach[] = [];
  for (const [resourceId, held] of groupBy(grants, (g) => g.resourceId?.toLowerCase() ?? '')) {
    const scopesOf = (list: typeof held) => [
      ...new Set(list.flatMap((g) => (g.scope ?? '').split(' ').filter(Boolean))),
    ];
    const admin = held.filter((g) => g.consentType === 'AllPrincipals');
    const own = held.filter((g) => g.consentType !== 'AllPrincipals');
    const resource = nameOf(resourceId);
    if (admin.length) delegated.push({ resource, scopes: scopesOf(admin), allUsers: true, users: 0 });
    if (own.length) {
      const users = new Set(own.map((g) => g.principalId?.toLowerCase()).filter(Boolean)).size;
      delegated.push({ resource, scopes: scopesOf(own), allUsers: false, users });
    }
  }

  const applicationPermissions = [...groupBy(assignments, (a) => a.resourceId?.toLowerCase() ?? '')].map(
    ([resourceId, held]) => {
      const roles = resources.get(resourceId)?.appRoles ?? [];
      return {
        resource: nameOf(resourceId, held[0]?.resourceDisplayName),
        roles: held.map((a) => {
          if (a.appRoleId === DEFAULT_ACCESS) return 'default access';
          return roles.find((r) => r.id.toLowerCase() === a.appRoleId?.toLowerCase())?.value ?? a.appRoleId ?? '?';
        }),
      };
    },
  );
  return { delegated, applicationPermissions, unread };
}

/**
 * A user's last sign-in attempt, interactive or not (signInActivity): it needs AuditLog.Read.All, which the sweep
 * already has, and an Entra ID P1 licence; without either the card says so.
 */
export async function readLastSignIn(
  graph: GraphClient,
  user: string,
): Promise<{ lastSignIn?: LastUse; unread: Unread[] }> {
  const unread: Unread[] = [];
  const found = await forCard(
    unread,
    { part: 'lastUsed', what: 'last sign-in', why: 'Graph refused signInActivity (AuditLog.Read.All, Entra ID P1)' },
    async () => (await graph.get(`/users/${encodeURIComponent(user)}?$select=id,signInActivity`, SignInActivity)).data,
  );
  if (!found) return { unread };
  const interactive = found.signInActivity?.lastSignInDateTime ?? undefined;
  const background = found.signInActivity?.lastNonInteractiveSignInDateTime ?? undefined;
  const latest = [
    ...(interactive ? [{ at: interactive, service: 'interactive sign-in' }] : []),
    ...(background ? [{ at: background, service: 'non-interactive sign-in' }] : []),
  ].sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0))[0];
  // Never signed in: signInActivity is null, and the card says never.
  return { lastSignIn: latest ? { at: latest.at, service: latest.service } : {}, unread };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}
