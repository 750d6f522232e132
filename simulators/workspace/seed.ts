import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const isoTime = z.iso.datetime({
  offset: false,
  message: 'must be an RFC 3339 UTC timestamp, e.g. 2026-01-31T12:00:00.000Z',
});
/** Google's user ids and OAuth client ids of service accounts are 21-digit numbers. */
const numericId = z.string().regex(/^\d{21}$/, 'must be a 21-digit number, like the ids Google assigns');
const email = z.string().regex(/^[a-z0-9][a-z0-9._+-]*@[a-z0-9.-]+\.[a-z]{2,}$/, 'must be a lower-case email address');
/** An OAuth scope as Google spells them: a URL (`https://www.googleapis.com/auth/...`, `https://mail.google.com/`). */
const scope = z.string().regex(/^https:\/\/\S+$/, 'must be an OAuth scope URL');
/** Web-app client ids (`NNN-xxx.apps.googleusercontent.com`) or a numeric client id (service accounts, some apps). */
const appClientId = z
  .string()
  .regex(
    /^(?:\d{6,21}-[a-z0-9]+\.apps\.googleusercontent\.com|\d{6,21})$/,
    'must be an OAuth client id (NNN-xxx.apps.googleusercontent.com or a number)',
  );
/** The sandbox app tokens: recognisably fake, e.g. ya29.SANDBOX-mailhelper-maria. */
const sandboxToken = z
  .string()
  .regex(/^ya29\.SANDBOX-[A-Za-z0-9._-]+$/, 'must be a sandbox access token: ya29.SANDBOX-<app>-<user>');

const keySeed = z
  .object({
    keyId: z.string().regex(/^[0-9a-f]{40}$/, 'must be 40 lowercase hex characters, like the key ids Google assigns'),
    /** PEM X.509 certificate of the public half (self-signed, CN = the account email, as Google makes them). */
    publicKeyCertificate: z.string(),
    /** PKCS#8 PEM private half: only where the sandbox hands out the key file (never served by any route). */
    privateKey: z.string().optional(),
  })
  .superRefine((key, ctx) => {
    let certificateKey: KeyObject | undefined;
    try {
      certificateKey = new X509Certificate(key.publicKeyCertificate).publicKey;
    } catch {
      ctx.addIssue({ code: 'custom', path: ['publicKeyCertificate'], message: 'is not a PEM X.509 certificate' });
    }
    if (key.privateKey === undefined) return;
    let privateKey: KeyObject | undefined;
    try {
      privateKey = createPrivateKey(key.privateKey);
      if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    } catch {
      ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'is not a PEM RSA private key' });
    }
    if (certificateKey && privateKey) {
      const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
      if (!derived.equals(certificateKey.export({ type: 'spki', format: 'der' }))) {
        ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'does not match publicKeyCertificate' });
      }
    }
  });

const serviceAccountSeed = z.object({
  email: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9-]+\.iam\.gserviceaccount\.com$/, 'must be a service account email'),
  /** The account's unique id, which is also its OAuth client id: what domain-wide delegation is granted to. */
  clientId: numericId,
  /** The Cloud project the account lives in, whose number a quota error names as the consumer. */
  projectNumber: z.string().regex(/^\d{6,19}$/, 'must be a project number (digits only)'),
  keys: z.array(keySeed).min(1, 'a service account needs a key, or no assertion it signs can be verified'),
});

const appSeed = z.object({
  clientId: appClientId,
  /** What tokens.list shows as the app's name. */
  displayText: z.string().min(1).max(200),
  /** The scopes users grant it (a grant may hold fewer). */
  scopes: z.array(scope).min(1),
  /** Used in the access tokens of generated users' grants: ya29.SANDBOX-<tokenLabel>-<local part>. */
  tokenLabel: z
    .string()
    .regex(/^[a-z0-9]{1,32}$/, 'must be 1-32 lowercase letters or digits')
    .optional(),
  anonymous: z.boolean().optional(),
  nativeApp: z.boolean().optional(),
});

const grantSeed = z.object({
  clientId: appClientId,
  /** The access token the app holds for this user (what a thief would have stolen). */
  accessToken: sandboxToken,
  /** Default: all of the app's scopes. */
  scopes: z.array(scope).min(1).optional(),
});

const mailboxSeed = z.object({
  messagesTotal: z.number().int().min(0),
  threadsTotal: z.number().int().min(0),
  historyId: z.string().regex(/^\d+$/, 'must be digits, as Gmail history ids are'),
});

const userSeed = z.object({
  id: numericId,
  primaryEmail: email,
  name: z.object({ givenName: z.string().min(1).max(60), familyName: z.string().min(1).max(60) }),
  aliases: z.array(email).optional(),
  /** A super administrator: the only kind of subject the Directory API lets the delegated service account act as. */
  isAdmin: z.boolean().optional(),
  suspended: z.boolean().optional(),
  /** Default `/`. */
  orgUnitPath: z
    .string()
    .regex(/^\/(?:[^/]+(?:\/[^/]+)*)?$/, 'must be an org unit path such as / or /Sales')
    .optional(),
  creationTime: isoTime,
  lastLoginTime: isoTime.optional(),
  /** Web sessions signed in now (browser cookies); users.signOut ends them. Default 1. */
  sessions: z.number().int().min(0).max(100).optional(),
  /** What GET /gmail/v1/users/me/profile reports. */
  mailbox: mailboxSeed.optional(),
  /** Third-party apps the user has granted access to (tokens.list). */
  grants: z.array(grantSeed).optional(),
});

/** Many users made from a pattern, to exercise pagination: `${prefix}0001@domain` …, ids 19000…0001 …. */
const generatedUsersSeed = z.object({
  count: z.number().int().min(1).max(10_000),
  /** Local part before the 4-digit number; default `user`. */
  prefix: z
    .string()
    .regex(/^[a-z][a-z0-9.-]{0,30}$/, 'must start with a letter: lowercase letters, digits, dots or hyphens')
    .optional(),
  /** Which generated users (1-based numbers) granted which app; the access token is made from its tokenLabel. */
  grants: z.array(z.object({ clientId: appClientId, users: z.array(z.number().int().min(1)).min(1) })).optional(),
});

export const workspaceSeedSchema = z
  .object({
    /** The primary domain, e.g. acme.example. */
    domain: z.string().regex(/^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/, 'must be a domain name'),
    /** The Workspace customer id (`my_customer` stands for it in users.list). */
    customerId: z.string().regex(/^C0[0-9a-z]{7}$/, 'must be a customer id such as C03az79cb'),
    serviceAccounts: z.array(serviceAccountSeed),
    /**
     * Domain-wide delegation as the Admin console records it (Security > API controls > Domain-wide delegation):
     * by a service account's numeric client id, the scopes it may be granted for any user of the domain.
     */
    delegation: z.record(numericId, z.array(scope)),
    apps: z.array(appSeed),
    users: z.array(userSeed).min(1),
    generatedUsers: generatedUsersSeed.optional(),
  })
  .superRefine((seed, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const inDomain = (address: string) => address.endsWith(`@${seed.domain}`);
    const apps = new Map(seed.apps.map((app) => [app.clientId, app]));
    const clientIds = new Set<string>();
    seed.apps.forEach((app, a) => {
      if (clientIds.has(app.clientId)) issue(['apps', a, 'clientId'], `duplicate ${app.clientId}`);
      clientIds.add(app.clientId);
    });
    const accountIds = new Set<string>();
    const keyIds = new Set<string>();
    seed.serviceAccounts.forEach((account, a) => {
      if (accountIds.has(account.clientId)) issue(['serviceAccounts', a, 'clientId'], `duplicate ${account.clientId}`);
      accountIds.add(account.clientId);
      account.keys.forEach((key, k) => {
        if (keyIds.has(key.keyId)) issue(['serviceAccounts', a, 'keys', k, 'keyId'], `duplicate key ${key.keyId}`);
        keyIds.add(key.keyId);
      });
    });
    for (const clientId of Object.keys(seed.delegation)) {
      if (!accountIds.has(clientId)) {
        issue(['delegation', clientId], `no service account in serviceAccounts has client id ${clientId}`);
      }
    }

    const addresses = new Set<string>();
    const ids = new Set<string>();
    const tokens = new Set<string>();
    const claimAddress = (address: string, path: (string | number)[]) => {
      if (!inDomain(address)) issue(path, `${address} is not in the domain ${seed.domain}`);
      if (addresses.has(address)) issue(path, `duplicate address ${address}`);
      addresses.add(address);
    };
    seed.users.forEach((user, u) => {
      claimAddress(user.primaryEmail, ['users', u, 'primaryEmail']);
      user.aliases?.forEach((alias, i) => claimAddress(alias, ['users', u, 'aliases', i]));
      if (ids.has(user.id)) issue(['users', u, 'id'], `duplicate id ${user.id}`);
      ids.add(user.id);
      const granted = new Set<string>();
      user.grants?.forEach((grant, g) => {
        const app = apps.get(grant.clientId);
        if (!app) issue(['users', u, 'grants', g, 'clientId'], `no app in apps has client id ${grant.clientId}`);
        if (granted.has(grant.clientId)) issue(['users', u, 'grants', g, 'clientId'], 'the user granted it twice');
        granted.add(grant.clientId);
        if (tokens.has(grant.accessToken)) issue(['users', u, 'grants', g, 'accessToken'], 'duplicate access token');
        tokens.add(grant.accessToken);
        const extra = grant.scopes?.find((s) => app && !app.scopes.includes(s));
        if (extra !== undefined) {
          issue(['users', u, 'grants', g, 'scopes'], `${extra} is not one of the app's scopes`);
        }
      });
    });

    const generated = seed.generatedUsers;
    if (!generated) return;
    for (let n = 1; n <= generated.count; n += 1) {
      const user = generatedUser(seed.domain, generated.prefix, n);
      if (addresses.has(user.primaryEmail)) {
        issue(['generatedUsers', 'prefix'], `generated ${user.primaryEmail} is already a user`);
        break;
      }
      if (ids.has(user.id)) {
        issue(['generatedUsers', 'count'], `generated id ${user.id} is already a user's`);
        break;
      }
    }
    generated.grants?.forEach((grant, g) => {
      const app = apps.get(grant.clientId);
      if (!app) issue(['generatedUsers', 'grants', g, 'clientId'], `no app in apps has client id ${grant.clientId}`);
      const beyond = grant.users.find((n) => n > generated.count);
      if (beyond !== undefined) {
        issue(['generatedUsers', 'grants', g, 'users'], `user ${beyond} is beyond count ${generated.count}`);
      }
    });
  });

/** The seed as authors write it (optional fields may be omitted). */
export type WorkspaceSeed = z.input<typeof workspaceSeedSchema>;
/** The seed after validation. */
export type ValidatedWorkspaceSeed = z.output<typeof workspaceSeedSchema>;
export type UserSeed = z.output<typeof userSeed>;

/** The generated user number `n` (1-based), without grants. */
export function generatedUser(domain: string, prefix = 'user', n: number): UserSeed {
  const number = String(n).padStart(4, '0');
  return {
    id: `19${String(n).padStart(19, '0')}`,
    primaryEmail: `${prefix}${number}@${domain}`,
    name: { givenName: 'User', familyName: number },
    creationTime: '2025-01-06T09:00:00.000Z',
    lastLoginTime: '2026-11-30T08:00:00.000Z',
  };
}

/** Every user of the seed, the listed ones first, then the generated ones with their grants. */
export function allUsers(seed: ValidatedWorkspaceSeed): UserSeed[] {
  const generated = seed.generatedUsers;
  if (!generated) return seed.users;
  const label = (clientId: string) => {
    const app = seed.apps.find((a) => a.clientId === clientId);
    return app?.tokenLabel ?? (app?.displayText ?? 'app').toLowerCase().replace(/[^a-z0-9]/g, '');
  };
  const made = Array.from({ length: generated.count }, (_, i) => generatedUser(seed.domain, generated.prefix, i + 1));
  for (const grant of generated.grants ?? []) {
    for (const n of grant.users) {
      const user = made[n - 1];
      if (!user) continue;
      const local = user.primaryEmail.split('@')[0] ?? '';
      user.grants = [
        ...(user.grants ?? []),
        { clientId: grant.clientId, accessToken: `ya29.SANDBOX-${label(grant.clientId)}-${local}` },
      ];
    }
  }
  return [...seed.users, ...made];
}

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

export class WorkspaceSeedError extends Error {
  override readonly name = 'WorkspaceSeedError';
}

/** Validates a seed; the error names each offending field, e.g. `users[1].grants[0].clientId`. */
export function parseWorkspaceSeed(input: unknown, source = 'seed'): ValidatedWorkspaceSeed {
  const result = workspaceSeedSchema.safeParse(input);
  if (result.success) return result.data;
  throw new WorkspaceSeedError(`Invalid Google Workspace seed ${source}: ${describeIssues(result.error)}`);
}

export function loadWorkspaceSeed(path: string): WorkspaceSeed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new WorkspaceSeedError(
      `Cannot read Google Workspace seed ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseWorkspaceSeed(parsed, path);
}
