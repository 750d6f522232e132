import type { admin_directory_v1 } from '@googleapis/admin';
import type { WorkspaceAppTarget, WorkspaceTokenTarget, WorkspaceUserTarget } from '../domain/action.js';
import {
  WORKSPACE_GRANTS_SHOWN,
  type WorkspaceAppDiscovery,
  type WorkspaceUserDiscovery,
} from '../domain/discovery.js';
import type { AccessCheck, ListedTarget } from '../domain/doctor.js';
import { workspaceDomainOf, type WorkspacePrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import { beforeChange } from './attempt.js';
import { activityCancellation } from './cancellation.js';
import { classifyActivities, TargetNotFoundError } from './errors.js';
import { classifyWorkspaceError } from './workspace-errors.js';
import { checkEach, mapLimited } from './limited.js';

export interface WorkspaceActivityDeps {
  /** The Directory API, authorised by domain-wide delegation as `admin`. */
  directory: admin_directory_v1.Admin;
  /** The administrator the delegated service account acts as. */
  admin: string;
}

/**
 * Where each Google Workspace account's calls go: a Directory API client impersonating that account's
 * administrator. Every activity asks for its target's own domain. The worker builds this from the topology
 * (worker/workspace-clients.ts).
 */
export interface WorkspaceDomains {
  /** The client for `domain`; throws a non-retryable ProviderError for a domain Revoker may not act in. */
  clients(domain: string): Promise<WorkspaceActivityDeps>;
  listed(): Promise<ListedTarget[]>;
}

/** Users' tokens read at once in a domain-wide scan: the Directory API's per-user quota is the limit. */
export const WORKSPACE_SCAN_CONCURRENCY = 4;
/** The Directory API's largest page of users. */
const USERS_PAGE = 500;

const abortable = () => ({ signal: activityCancellation() });

/**
 * Google Workspace containment through the Admin SDK Directory API. Each step reads first and changes only
 * what differs; a domain-wide step reads every user's tokens again when it acts, so a grant made after
 * discovery is not missed.
 */
export function createWorkspaceActivities(domains: WorkspaceDomains) {
  const directoryOf = async (domain: string) => (await domains.clients(domain)).directory;

  async function userOf(directory: admin_directory_v1.Admin, userKey: string) {
    try {
      return (await directory.users.get({ userKey }, abortable())).data;
    } catch (error) {
      const known = classifyWorkspaceError(error);
      if (known instanceof TargetNotFoundError) {
        throw new TargetNotFoundError(`Workspace user ${userKey} does not exist: nothing to contain.`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async function tokensOf(directory: admin_directory_v1.Admin, userKey: string) {
    return (await directory.tokens.list({ userKey }, abortable())).data.items ?? [];
  }

  /** The user's token for the app, or undefined when there is none (404). */
  async function tokenOf(directory: admin_directory_v1.Admin, userKey: string, clientId: string) {
    try {
      return (await directory.tokens.get({ userKey, clientId }, abortable())).data;
    } catch (error) {
      if (classifyWorkspaceError(error) instanceof TargetNotFoundError) return undefined;
      throw error;
    }
  }

  /** Every active user's primary email, page by page (500 a page). */
  async function allUsers(directory: admin_directory_v1.Admin): Promise<string[]> {
    const emails: string[] = [];
    let pageToken: string | undefined;
    do {
      const { data } = await directory.users.list(
        {
          customer: 'my_customer',
          maxResults: USERS_PAGE,
          orderBy: 'email',
          ...(pageToken ? { pageToken } : {}),
        },
        abortable(),
      );
      for (const user of data.users ?? []) if (user.primaryEmail) emails.push(user.primaryEmail);
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken);
    return emails;
  }

  /** The users holding a token for `clientId`, the app's name as the tokens give it, and the scopes they carry. */
  async function grantees(directory: admin_directory_v1.Admin, clientId: string) {
    const users = await allUsers(directory);
    let displayText: string | undefined;
    const scopes = new Set<string>();
    const holding = await mapLimited(users, WORKSPACE_SCAN_CONCURRENCY, async (user) => {
      const token = (await tokensOf(directory, user)).find((t) => t.clientId === clientId);
      if (token?.displayText) displayText ??= token.displayText;
      for (const scope of token?.scopes ?? []) scopes.add(scope);
      return token ? user : undefined;
    });
    // Sorted: the scan answers in whatever order the users' reads come back.
    return {
      users,
      holding: holding.filter((u): u is string => u !== undefined),
      displayText,
      scopes: [...scopes].sort(),
    };
  }

  const activities = {
    async discoverWorkspacePrincipal(
      principal: WorkspacePrincipal,
    ): Promise<WorkspaceUserDiscovery | WorkspaceAppDiscovery> {
      const domain = workspaceDomainOf(principal);
      const directory = await directoryOf(domain);
      if (principal.type === 'workspace.user') {
        const user = await userOf(directory, principal.user);
        const apps = (await tokensOf(directory, principal.user)).map((t) => ({
          clientId: t.clientId ?? '',
          displayText: t.displayText ?? t.clientId ?? '',
        }));
        return {
          type: 'workspace.user',
          domain,
          userId: user.id ?? '',
          primaryEmail: user.primaryEmail ?? principal.user,
          suspended: user.suspended === true,
          isAdmin: user.isAdmin === true,
          apps,
        };
      }
      const { users, holding, displayText, scopes } = await grantees(directory, principal.clientId);
      const focus = principal.user?.toLowerCase();
      const focusUser = focus ? holding.find((u) => u.toLowerCase() === focus) : undefined;
      if (principal.user && !focusUser && holding.length === 0) {
        throw new TargetNotFoundError(
          `No user of ${domain} holds a grant to ${principal.clientId} (${principal.user} included): nothing to contain.`,
        );
      }
      return {
        type: 'workspace.app',
        domain,
        clientId: principal.clientId,
        displayText: displayText ?? principal.clientId,
        ...(focusUser ? { focusUser } : {}),
        grantedBy: holding.slice(0, WORKSPACE_GRANTS_SHOWN),
        grantCount: holding.length,
        usersScanned: users.length,
        scopes,
      };
    },

    async deleteWorkspaceAppToken(target: WorkspaceTokenTarget): Promise<StepOutcome> {
      const directory = await directoryOf(target.domain);
      if (!(await tokenOf(directory, target.user, target.clientId))) {
        return { outcome: 'already', observed: `${target.user} holds no grant to ${target.displayText}` };
      }
      const observed = `${target.user} had granted ${target.displayText}`;
      await beforeChange(observed);
      await directory.tokens.delete({ userKey: target.user, clientId: target.clientId }, abortable());
      return { outcome: 'done', observed };
    },

    async verifyWorkspaceAppTokenDeleted(target: WorkspaceTokenTarget): Promise<CheckResult> {
      const directory = await directoryOf(target.domain);
      const token = await tokenOf(directory, target.user, target.clientId);
      return {
        ok: token === undefined,
        evidence: token
          ? `tokens.get still finds ${target.user}'s grant to ${target.displayText}`
          : `tokens.get finds no grant of ${target.user} to ${target.displayText}`,
      };
    },

    async deleteWorkspaceAppTokensEverywhere(target: WorkspaceAppTarget): Promise<StepOutcome> {
      const directory = await directoryOf(target.domain);
      const { users, holding } = await grantees(directory, target.clientId);
      if (holding.length === 0) {
        return { outcome: 'already', observed: `none of ${users.length} users holds a grant to ${target.displayText}` };
      }
      const observed = `${holding.length} of ${users.length} users held a grant to ${target.displayText}`;
      await beforeChange(observed);
      await mapLimited(holding, WORKSPACE_SCAN_CONCURRENCY, async (user) => {
        try {
          await directory.tokens.delete({ userKey: user, clientId: target.clientId }, abortable());
        } catch (error) {
          // Gone since the scan (the user, or another step, removed it): what this step wants.
          if (!(classifyWorkspaceError(error) instanceof TargetNotFoundError)) throw error;
        }
      });
      return { outcome: 'done', observed };
    },

    async verifyWorkspaceAppGoneEverywhere(target: WorkspaceAppTarget): Promise<CheckResult> {
      const directory = await directoryOf(target.domain);
      const { users, holding } = await grantees(directory, target.clientId);
      return {
        ok: holding.length === 0,
        evidence: holding.length
          ? `tokens.list still shows a grant to ${target.displayText} for ${holding.length} of ${users.length} users (${holding.slice(0, 5).join(', ')})`
          : `tokens.list shows no grant to ${target.displayText} for any of ${users.length} users`,
      };
    },

    async signOutWorkspaceUser(target: WorkspaceUserTarget): Promise<StepOutcome> {
      const directory = await directoryOf(target.domain);
      const user = await userOf(directory, target.user);
      // Signing out cannot be read back, so it is always sent: a second sign-out is harmless.
      const observed = user.suspended ? `${target.user} is suspended` : `${target.user} may hold sessions`;
      await beforeChange(observed);
      await directory.users.signOut({ userKey: target.user }, abortable());
      return { outcome: 'done', observed };
    },

    async verifyWorkspaceUserSignedOut(target: WorkspaceUserTarget): Promise<CheckResult> {
      const user = await userOf(await directoryOf(target.domain), target.user);
      return {
        ok: true,
        evidence: `users.get shows ${user.primaryEmail ?? target.user}${user.suspended ? ' suspended' : ''}; the Directory API does not show sessions, so the sign-out is known by its accepted call only`,
      };
    },

    async suspendWorkspaceUser(target: WorkspaceUserTarget): Promise<StepOutcome> {
      return setSuspended(target, true);
    },

    async unsuspendWorkspaceUser(target: WorkspaceUserTarget): Promise<StepOutcome> {
      return setSuspended(target, false);
    },

    async verifyWorkspaceUserSuspended(
      target: WorkspaceUserTarget & { expected: 'suspended' | 'active' },
    ): Promise<CheckResult> {
      const user = await userOf(await directoryOf(target.domain), target.user);
      const seen = user.suspended === true ? 'suspended' : 'active';
      return { ok: seen === target.expected, evidence: `users.get shows ${target.user} ${seen}` };
    },

    /** `revoker doctor`: each listed domain, reached as Revoker would, with read-only calls. */
    async checkWorkspaceAccess(): Promise<AccessCheck[]> {
      return checkEach('workspace', await domains.listed(), classifyWorkspaceError, async (domain) => {
        const { directory, admin } = await domains.clients(domain);
        // users.list needs the user scope; tokens.list the security scope: together, what every step uses.
        const { data } = await directory.users.list({ customer: 'my_customer', maxResults: 1 }, abortable());
        const first = data.users?.[0]?.primaryEmail ?? admin;
        await directory.tokens.list({ userKey: first }, abortable());
        return {
          identity: `delegated as ${admin}`,
          missing: [],
          // The update and sign-out scopes are the ones the two reads proved; the calls themselves change things.
          unchecked: ['users.update', 'users.signOut', 'tokens.delete'],
        };
      });
    },
  };

  async function setSuspended(target: WorkspaceUserTarget, suspended: boolean): Promise<StepOutcome> {
    const directory = await directoryOf(target.domain);
    const user = await userOf(directory, target.user);
    const word = (s: boolean) => (s ? 'suspended' : 'active');
    if ((user.suspended === true) === suspended) {
      return { outcome: 'already', observed: `${target.user} was already ${word(suspended)}` };
    }
    const observed = `${target.user} was ${word(!suspended)}`;
    await beforeChange(observed);
    await directory.users.update({ userKey: target.user, requestBody: { suspended } }, abortable());
    return { outcome: 'done', observed };
  }

  return classifyActivities(activities, classifyWorkspaceError);
}

export type WorkspaceActivities = ReturnType<typeof createWorkspaceActivities>;
