// What discovery reads of an IAM user or role for the triage card (domain/card.ts): its policies, its groups' and when
// its keys or sessions were last used. None of it decides containment, so a read IAM refuses becomes a line saying so
// (`unread`) and discovery goes on; throttling and outages still fail the activity, for Temporal to retry it whole.
import {
  GetAccessKeyLastUsedCommand,
  paginateListAttachedGroupPolicies,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListGroupPolicies,
  paginateListGroupsForUser,
  paginateListRolePolicies,
  paginateListUserPolicies,
  type AccessKeyLastUsed,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import type { AwsAccessKeyState, AwsPolicies, LastUse, Unread } from '../domain/discovery.js';
import { activityCancellation } from './cancellation.js';

const abortable = () => ({ abortSignal: activityCancellation() });

/** IAM's refusal of a read, as the SDK names it (modelled or not). */
const isDenied = (error: unknown) =>
  error instanceof Error && (error.name === 'AccessDenied' || error.name === 'AccessDeniedException');

/**
 * What the card's reads could not read, in the order the reads were started (they run side by side, and the card
 * should read the same whichever answers first).
 */
class Gaps {
  private readonly slots: (Unread | undefined)[] = [];
  /** Runs a card read; when IAM refuses it, notes what the card lacks and why, and answers undefined. */
  async read<T>(note: Omit<Unread, 'why'> & { action: string }, read: () => Promise<T>): Promise<T | undefined> {
    const slot = this.slots.push(undefined) - 1;
    try {
      return await read();
    } catch (error) {
      if (!isDenied(error)) throw error;
      this.slots[slot] = { part: note.part, what: note.what, why: `${note.action} denied` };
      return undefined;
    }
  }
  list(): Unread[] {
    return this.slots.filter((u): u is Unread => u !== undefined);
  }
}

/** Every item of every page, in order. */
async function all<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

/** GetAccessKeyLastUsed's answer as the card keeps it: "N/A" (never used) is no value. */
export function lastUseOf(used: AccessKeyLastUsed | undefined): LastUse {
  const known = (value: string | undefined) => (value && value !== 'N/A' ? value : undefined);
  const at = used?.LastUsedDate?.toISOString();
  const region = known(used?.Region);
  const service = known(used?.ServiceName);
  return { ...(at ? { at } : {}), ...(region ? { region } : {}), ...(service ? { service } : {}) };
}

/** A policy holder's managed and inline policy names; the part IAM refuses is left empty and noted. */
async function policiesOf(
  gaps: Gaps,
  label: string,
  attached: { action: string; read: () => Promise<string[]> },
  inline: { action: string; read: () => Promise<string[]> },
): Promise<AwsPolicies | undefined> {
  const [managed, own] = await Promise.all([
    gaps.read({ part: 'reach', what: `${label} managed policies`, action: attached.action }, attached.read),
    gaps.read({ part: 'reach', what: `${label} inline policies`, action: inline.action }, inline.read),
  ]);
  if (managed === undefined && own === undefined) return undefined;
  return { attached: managed ?? [], inline: own ?? [] };
}

/**
 * The user's keys (`keys`, being listed), with when they were last used — the focus key when the alert named one
 * (whose last use the caller may already hold, from finding its user), else every active key — and the user's
 * policies and its groups'.
 */
export async function readUserCard(
  iam: IAMClient,
  userName: string,
  keys: Promise<AwsAccessKeyState[]>,
  focus?: { accessKeyId: string; lastUsed?: LastUse },
): Promise<{
  accessKeys: AwsAccessKeyState[];
  policies?: AwsPolicies;
  groups?: ({ groupName: string } & AwsPolicies)[];
  unread: Unread[];
}> {
  const gaps = new Gaps();
  const byName = { UserName: userName };
  const lastUsed = (key: AwsAccessKeyState) => {
    if (focus ? key.accessKeyId !== focus.accessKeyId : key.status !== 'Active') return undefined;
    if (focus?.lastUsed) return focus.lastUsed;
    return gaps.read(
      { part: 'lastUsed', what: `last use of ${key.accessKeyId}`, action: 'iam:GetAccessKeyLastUsed' },
      async () =>
        lastUseOf(
          (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }), abortable()))
            .AccessKeyLastUsed,
        ),
    );
  };
  // Side by side with listing the keys: a user's card costs about two round trips, not five.
  const [accessKeys, policies, groupNames] = await Promise.all([
    keys.then((found) =>
      Promise.all(
        found.map(async (key) => {
          const use = await lastUsed(key);
          return use ? { ...key, lastUsed: use } : key;
        }),
      ),
    ),
    policiesOf(
      gaps,
      'its',
      {
        action: 'iam:ListAttachedUserPolicies',
        read: () =>
          all(paginateListAttachedUserPolicies({ client: iam }, byName, abortable()), (p) =>
            p.AttachedPolicies?.map((a) => a.PolicyName ?? a.PolicyArn ?? '?'),
          ),
      },
      {
        action: 'iam:ListUserPolicies',
        read: () => all(paginateListUserPolicies({ client: iam }, byName, abortable()), (p) => p.PolicyNames),
      },
    ),
    gaps.read({ part: 'reach', what: 'groups', action: 'iam:ListGroupsForUser' }, () =>
      all(paginateListGroupsForUser({ client: iam }, byName, abortable()), (p) =>
        p.Groups?.map((g) => g.GroupName ?? '?'),
      ),
    ),
  ]);
  // A user is in at most 10 groups (IAM quota): two reads each, side by side.
  const groups = groupNames
    ? await Promise.all(
        groupNames.map(async (groupName) => {
          const byGroup = { GroupName: groupName };
          const found = await policiesOf(
            gaps,
            `group ${groupName}`,
            {
              action: 'iam:ListAttachedGroupPolicies',
              read: () =>
                all(paginateListAttachedGroupPolicies({ client: iam }, byGroup, abortable()), (p) =>
                  p.AttachedPolicies?.map((a) => a.PolicyName ?? a.PolicyArn ?? '?'),
                ),
            },
            {
              action: 'iam:ListGroupPolicies',
              read: () => all(paginateListGroupPolicies({ client: iam }, byGroup, abortable()), (p) => p.PolicyNames),
            },
          );
          return { groupName, attached: found?.attached ?? [], inline: found?.inline ?? [] };
        }),
      )
    : undefined;
  return {
    accessKeys,
    ...(policies ? { policies } : {}),
    ...(groups ? { groups } : {}),
    unread: gaps.list(),
  };
}

/** The role's policies, and when a session of it last made a request (GetRole's RoleLastUsed, already read). */
export async function readRoleCard(
  iam: IAMClient,
  role: Role | undefined,
  roleName: string,
): Promise<{ policies?: AwsPolicies; lastUsed?: LastUse; unread: Unread[] }> {
  const gaps = new Gaps();
  const byName = { RoleName: roleName };
  const policies = await policiesOf(
    gaps,
    'its',
    {
      action: 'iam:ListAttachedRolePolicies',
      read: () =>
        all(paginateListAttachedRolePolicies({ client: iam }, byName, abortable()), (p) =>
          p.AttachedPolicies?.map((a) => a.PolicyName ?? a.PolicyArn ?? '?'),
        ),
    },
    {
      action: 'iam:ListRolePolicies',
      read: () => all(paginateListRolePolicies({ client: iam }, byName, abortable()), (p) => p.PolicyNames),
    },
  );
  const used = role?.RoleLastUsed;
  const at = used?.LastUsedDate?.toISOString();
  const lastUsed: LastUse | undefined = used
    ? { ...(at ? { at } : {}), ...(used.Region ? { region: used.Region } : {}) }
    : undefined;
  return { ...(policies ? { policies } : {}), ...(lastUsed ? { lastUsed } : {}), unread: gaps.list() };
}
