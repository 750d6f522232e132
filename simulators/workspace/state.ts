import { X509Certificate } from 'node:crypto';
import { allUsers, parseWorkspaceSeed, type WorkspaceSeed } from './seed.js';

export interface KeyRecord {
  keyId: string;
  /** SPKI PEM: all the token endpoint needs to verify assertions. Private halves never enter the state. */
  publicKey: string;
}

export interface ServiceAccountRecord {
  email: string;
  clientId: string;
  projectNumber: string;
  keys: KeyRecord[];
}

export interface AppRecord {
  clientId: string;
  displayText: string;
  scopes: string[];
  anonymous: boolean;
  nativeApp: boolean;
}

export interface Mailbox {
  messagesTotal: number;
  threadsTotal: number;
  historyId: string;
}

export interface UserRecord {
  id: string;
  primaryEmail: string;
  givenName: string;
  familyName: string;
  aliases: string[];
  isAdmin: boolean;
  suspended: boolean;
  /** `ADMIN` once an administrator suspended the user; Google sets it, nobody writes it. */
  suspensionReason?: string;
  orgUnitPath: string;
  creationTime: string;
  lastLoginTime: string;
  /** Web sessions signed in now; users.signOut (and suspension) ends them. */
  sessions: number;
  mailbox: Mailbox;
}

/** One user's grant of one app: what tokens.list shows, and the access token the app holds. */
export interface GrantRecord {
  userId: string;
  clientId: string;
  scopes: string[];
  /** The app's access token for this user (a secret: never in an admin view). */
  accessToken: string;
}

export interface RevokedGrant extends GrantRecord {
  revokedAt: string;
}

/** An access token the token endpoint issued (a secret: never in an admin view). */
export interface IssuedToken {
  /** The service account whose assertion earned it. */
  serviceAccount: string;
  /** The user impersonated (domain-wide delegation); undefined = the service account itself. */
  subject?: string;
  scopes: string[];
  /** ISO time. */
  expiresAt: string;
}

/** The whole sandbox: directory, apps and grants, and the tokens the token endpoint has issued. */
export interface WorkspaceState {
  domain: string;
  customerId: string;
  serviceAccounts: Map<string, ServiceAccountRecord>;
  /** By a service account's client id: the scopes domain-wide delegation allows it. */
  delegation: Map<string, string[]>;
  apps: Map<string, AppRecord>;
  /** By id, in seed order. */
  users: Map<string, UserRecord>;
  grants: GrantRecord[];
  /** Grants deleted by tokens.delete, kept so a refused token can say why (`token-revoked`); never listed. */
  revoked: RevokedGrant[];
  /**
   * By access token. Not part of the directory: reset keeps it (a client's cached token stays valid, as it would
   * at Google), and it is always read from the current state, never from a propagation-delayed copy.
   */
  issued: Map<string, IssuedToken>;
}

const DEFAULT_MAILBOX: Mailbox = { messagesTotal: 0, threadsTotal: 0, historyId: '1' };
/** What Google reports for a user who never signed in. */
export const NEVER = '1970-01-01T00:00:00.000Z';

export function stateFromSeed(input: WorkspaceSeed): WorkspaceState {
  const seed = parseWorkspaceSeed(input);
  const apps = new Map(
    seed.apps.map((app) => [
      app.clientId,
      {
        clientId: app.clientId,
        displayText: app.displayText,
        scopes: [...app.scopes],
        anonymous: app.anonymous ?? false,
        nativeApp: app.nativeApp ?? false,
      },
    ]),
  );
  const users = new Map<string, UserRecord>();
  const grants: GrantRecord[] = [];
  for (const user of allUsers(seed)) {
    const suspended = user.suspended ?? false;
    users.set(user.id, {
      id: user.id,
      primaryEmail: user.primaryEmail,
      givenName: user.name.givenName,
      familyName: user.name.familyName,
      aliases: [...(user.aliases ?? [])],
      isAdmin: user.isAdmin ?? false,
      suspended,
      ...(suspended ? { suspensionReason: 'ADMIN' } : {}),
      orgUnitPath: user.orgUnitPath ?? '/',
      creationTime: user.creationTime,
      lastLoginTime: user.lastLoginTime ?? NEVER,
      sessions: suspended ? 0 : (user.sessions ?? 1),
      mailbox: { ...(user.mailbox ?? DEFAULT_MAILBOX) },
    });
    for (const grant of user.grants ?? []) {
      grants.push({
        userId: user.id,
        clientId: grant.clientId,
        scopes: [...(grant.scopes ?? apps.get(grant.clientId)?.scopes ?? [])],
        accessToken: grant.accessToken,
      });
    }
  }
  return {
    domain: seed.domain,
    customerId: seed.customerId,
    serviceAccounts: new Map(
      seed.serviceAccounts.map((account) => [
        account.email,
        {
          email: account.email,
          clientId: account.clientId,
          projectNumber: account.projectNumber,
          keys: account.keys.map((key) => ({
            keyId: key.keyId,
            publicKey: new X509Certificate(key.publicKeyCertificate).publicKey
              .export({ type: 'spki', format: 'pem' })
              .toString(),
          })),
        },
      ]),
    ),
    delegation: new Map(Object.entries(seed.delegation).map(([clientId, scopes]) => [clientId, [...scopes]])),
    apps,
    users,
    grants,
    revoked: [],
    issued: new Map(),
  };
}

/** A `userKey` as the Directory API takes it: the primary email, an alias (both case-insensitive) or the id. */
export function findUser(state: WorkspaceState, userKey: string): UserRecord | undefined {
  const byId = state.users.get(userKey);
  if (byId) return byId;
  const address = userKey.toLowerCase();
  for (const user of state.users.values()) {
    if (user.primaryEmail === address || user.aliases.includes(address)) return user;
  }
  return undefined;
}

export function grantsOfUser(state: WorkspaceState, userId: string): GrantRecord[] {
  return state.grants.filter((grant) => grant.userId === userId);
}

export function grantByToken(state: WorkspaceState, accessToken: string): GrantRecord | undefined {
  return state.grants.find((grant) => grant.accessToken === accessToken);
}
