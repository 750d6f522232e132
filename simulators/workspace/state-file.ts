import { z } from 'zod';
import { readStateFile, writeStateFile } from '../shared/state-file.js';
import type { WorkspaceState } from './state.js';

const FORMAT = 'revoker-workspace-simulator-state/v1';

const grant = z.object({
  userId: z.string(),
  clientId: z.string(),
  scopes: z.array(z.string()),
  accessToken: z.string(),
});

/**
 * The whole sandbox on disk. It holds public keys only (no private half ever enters the state), but also the apps'
 * access tokens and the tokens the endpoint issued, which is why the file is written mode 0600.
 */
const persistedState = z.object({
  format: z.literal(FORMAT),
  domain: z.string(),
  customerId: z.string(),
  serviceAccounts: z.array(
    z.object({
      email: z.string(),
      clientId: z.string(),
      projectNumber: z.string(),
      keys: z.array(z.object({ keyId: z.string(), publicKey: z.string() })),
    }),
  ),
  delegation: z.record(z.string(), z.array(z.string())),
  apps: z.array(
    z.object({
      clientId: z.string(),
      displayText: z.string(),
      scopes: z.array(z.string()),
      anonymous: z.boolean(),
      nativeApp: z.boolean(),
    }),
  ),
  users: z.array(
    z.object({
      id: z.string(),
      primaryEmail: z.string(),
      givenName: z.string(),
      familyName: z.string(),
      aliases: z.array(z.string()),
      isAdmin: z.boolean(),
      suspended: z.boolean(),
      suspensionReason: z.string().optional(),
      orgUnitPath: z.string(),
      creationTime: z.string(),
      lastLoginTime: z.string(),
      sessions: z.number().int(),
      mailbox: z.object({ messagesTotal: z.number(), threadsTotal: z.number(), historyId: z.string() }),
    }),
  ),
  grants: z.array(grant),
  revoked: z.array(grant.extend({ revokedAt: z.string() })),
  issued: z.array(
    z.object({
      accessToken: z.string(),
      serviceAccount: z.string(),
      subject: z.string().optional(),
      scopes: z.array(z.string()),
      expiresAt: z.string(),
    }),
  ),
});

/** Returns undefined when the file does not exist yet (first start seeds instead). */
export function loadStateFile(path: string): WorkspaceState | undefined {
  const s = readStateFile(path, { format: FORMAT, simulator: 'Google Workspace', schema: persistedState });
  if (s === undefined) return undefined;
  return {
    domain: s.domain,
    customerId: s.customerId,
    serviceAccounts: new Map(s.serviceAccounts.map((account) => [account.email, account])),
    delegation: new Map(Object.entries(s.delegation)),
    apps: new Map(s.apps.map((app) => [app.clientId, app])),
    users: new Map(s.users.map((user) => [user.id, user])),
    grants: s.grants,
    revoked: s.revoked,
    issued: new Map(s.issued.map(({ accessToken, ...token }) => [accessToken, token])),
  };
}

export function saveStateFile(path: string, state: WorkspaceState): void {
  writeStateFile(path, {
    format: FORMAT,
    domain: state.domain,
    customerId: state.customerId,
    serviceAccounts: [...state.serviceAccounts.values()],
    delegation: Object.fromEntries(state.delegation),
    apps: [...state.apps.values()],
    users: [...state.users.values()],
    grants: state.grants,
    revoked: state.revoked,
    issued: [...state.issued].map(([accessToken, token]) => ({ accessToken, ...token })),
  } satisfies z.input<typeof persistedState>);
}
