import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { after, before, beforeEach } from 'node:test';
import { SignJWT } from 'jose';
import { DEFAULT_SEED_PATH, startEntraSimulator, type EntraSimulator, type EntraSimulatorOptions } from './server.js';
import { loadEntraSeed } from './seed.js';

/** Test-only helpers: fixture identities, real @azure/identity credentials, and raw Graph/token calls. */

export const TENANT_ID = '26b7f9fa-ece8-4e81-8997-610171802439';
export const GRAPH_SP_ID = '785f4211-bdb3-4d8a-a360-4b7e108c9d65';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export const RESPONDER = {
  appId: '008b55f9-f99e-4fd4-afb2-f850c5e3d4ec',
  spId: '7798296b-5250-4b26-8c26-c03b0265ea5c',
  secret: 'Rsp8Q~SANDBOX.revoker-responder.not-a-real-secret',
};

export const HELPDESK = {
  appId: 'ca515cbb-0da7-4831-bff4-1488d28e4f3b',
  spId: '162dc7c2-b45e-47c0-9894-012f90d0a8b0',
  secret: 'Hdr8Q~SANDBOX.helpdesk-reader.not-a-real-secret',
  expiredSecret: 'Hdx8Q~SANDBOX.helpdesk-reader.expired-secret',
};

const fixture = loadEntraSeed(DEFAULT_SEED_PATH);
const mailSyncProSeed = fixture.servicePrincipals.find((sp) => sp.displayName === 'Mail Sync Pro');
const certificateSeed = mailSyncProSeed?.keyCredentials?.[0];
if (!certificateSeed?.privateKeyPem) throw new Error('fixtures/sandbox.json: Mail Sync Pro certificate missing');

export const MAIL_SYNC_PRO = {
  appId: '7bc8af83-0d73-4bca-a228-a68418ac4812',
  spId: '2fcca71c-f141-48be-a314-c05e62d8144f',
  /** The secret the attacker uses. */
  attackerSecret: {
    keyId: '5e42d8e1-0239-4172-84d0-6cdc39acaa88',
    secret: 'Msp8Q~SANDBOX.attacker-known-secret.mail-sync-pro',
  },
  backupSecret: {
    keyId: '017bd468-234f-4388-9f41-0d6f71b4d97e',
    secret: 'Msb8Q~SANDBOX.second-secret.mail-sync-pro-backup',
  },
  /** On the application object in the attacker's home tenant: removable only by disabling the SP here. */
  homeTenantSecret: 'Msh8Q~SANDBOX.home-tenant-app-secret.not-removable-here',
  certificate: {
    keyId: '0aeeeecf-eefb-44a1-ba8e-79501e808ffd',
    certificatePem: certificateSeed.certificate,
    privateKeyPem: certificateSeed.privateKeyPem,
  },
  mailReadAssignmentId: 'DAQVL3gkAxxrh2p9mxGIXCHX77SM2W8nkQ60IFeTqlM',
  adeleGrantId: 'drNCR-_AwJDjhWjnSX1kfG99AywcYH8Z9IG6p-9wGgk',
  allPrincipalsGrantId: '0cURgimmB7nmS582FTozHZShkKLZVhKm3Di_QPieNfw',
};

/** The compromised app: a CI pipeline's registration with Application.ReadWrite.All, whose secret the attacker holds. */
export const CONTOSO_CI = {
  appId: '5d3e8f21-7a4c-4b96-8e0f-9c2a61b4d7e3',
  spId: 'c8f2a6d4-3e71-4b5c-a09d-6e1f7b2c8d45',
  applicationId: 'a41d7c2e-5b93-4f0a-9e6d-2c8b17f3e905',
  /** On the application object (not the service principal). */
  secret: { keyId: 'e2b7c913-4d8a-4f6e-b1c5-7a9d3e2f0b68', secret: 'Cip8Q~SANDBOX.contoso-ci.stolen-pipeline-secret' },
};

/** The victim application the attacker backdoors (User.Read.All), with its own secret and deployment credential. */
export const PAYROLL_EXPORT = {
  appId: 'b9c6e1f4-2a57-4d83-9f1e-4c7b0a2d6e58',
  spId: '3a9f5c7e-8d12-4e6b-a4f0-5b2c9e7d1a36',
  applicationId: '7e4b2d91-c36a-4f85-b2e0-1d9a6c3f5e47',
  secret: { keyId: 'f6a1d8c3-9b24-4e7f-8c5a-2d0e6b3f9a71', secret: 'Pxe8Q~SANDBOX.payroll-export.owner-secret' },
  federatedCredential: {
    id: '0c5e7a9b-3d1f-4a62-8e4b-6f2d9c1a7e35',
    name: 'payroll-deploy',
    subject: 'repo:contoso/payroll-export:environment:production',
  },
};

export const ADELE = {
  id: '13b68baa-9857-4027-813a-52c7304c679f',
  upn: 'adele@contoso.example',
  /** Seeded refresh token for Mail Sync Pro, held by the attacker. */
  stolenRefreshToken: '1.AQsA-SANDBOX-stolen-refresh-token.adele.mail-sync-pro.0001',
};
export const MEGAN = { id: 'e73785af-634b-441c-a644-5da76e07abbd', upn: 'megan@contoso.example' };

const TLS_TRUST_ERRORS = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * Starts the simulator with the default sandbox CA and checks that this process trusts it. Node reads
 * NODE_EXTRA_CA_CERTS once at startup, so a test process started without it cannot recover: say how to fix it.
 */
export async function startTrustedSimulator(options: EntraSimulatorOptions = {}): Promise<EntraSimulator> {
  const sim = await startEntraSimulator(options);
  try {
    await fetch(`${sim.authorityHost}/_sim/health`);
  } catch (error) {
    await sim.close();
    const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
    if (!TLS_TRUST_ERRORS.has(code)) throw error;
    throw new Error(
      `This test process does not trust the sandbox CA (${code}). Start it with ` +
        'NODE_EXTRA_CA_CERTS="$(node --import tsx simulators/entra/main.ts --ensure-ca)", e.g. run ' +
        '`node --import tsx simulators/entra/run-tests.ts`; see simulators/entra/README.md.',
    );
  }
  return sim;
}

/** The only options @azure/identity needs to talk to the simulator. */
export const identityOptions = (sim: EntraSimulator) => ({
  authorityHost: sim.authorityHost,
  disableInstanceDiscovery: true,
});

export const secretCredential = (sim: EntraSimulator, appId: string, secret: string) =>
  new ClientSecretCredential(sim.tenantId, appId, secret, identityOptions(sim));

export const certificateCredential = (sim: EntraSimulator, appId: string, pem: string) =>
  new ClientCertificateCredential(sim.tenantId, appId, { certificate: pem }, identityOptions(sim));

/** A fresh credential per call, so @azure/identity's token cache never hides the token endpoint. */
export async function appToken(sim: EntraSimulator, appId: string, secret: string): Promise<string> {
  const token = await secretCredential(sim, appId, secret).getToken(GRAPH_SCOPE);
  return token.token;
}

export const responderToken = (sim: EntraSimulator): Promise<string> =>
  appToken(sim, RESPONDER.appId, RESPONDER.secret);

export interface GraphResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export async function graph(
  sim: EntraSimulator,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<GraphResponse> {
  const url = path.startsWith('https://') ? path : `${sim.graphEndpoint}${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export interface TokenResponse {
  status: number;
  json: Record<string, unknown>;
}

/** A raw POST to the token endpoint, as an attacker's script would send it. */
export async function tokenRequest(sim: EntraSimulator, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export const clientCredentialsGrant = (sim: EntraSimulator, appId: string, secret: string) =>
  tokenRequest(sim, { grant_type: 'client_credentials', client_id: appId, client_secret: secret, scope: GRAPH_SCOPE });

export const refreshGrant = (sim: EntraSimulator, refreshToken: string, scope = `${GRAPH_SCOPE} offline_access`) =>
  tokenRequest(sim, {
    grant_type: 'refresh_token',
    client_id: MAIL_SYNC_PRO.appId,
    refresh_token: refreshToken,
    scope,
  });

/** `AADSTS7000215` from an error_description or an @azure/identity error message. */
export const aadstsCode = (text: unknown): string | undefined => /AADSTS(\d+)/.exec(String(text))?.[0];

export const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** PEM bundle (certificate + private key) as ClientCertificateCredential takes it. */
export const mailSyncProPem = (): string =>
  `${MAIL_SYNC_PRO.certificate.certificatePem}\n${MAIL_SYNC_PRO.certificate.privateKeyPem}`;

/** A removeKey proof-of-possession JWT signed with the fixture certificate's private key. */
export async function proofOfPossession(
  claims: { aud?: string; iss?: string; nbf?: number; exp?: number } = {},
  privateKeyPem: string = MAIL_SYNC_PRO.certificate.privateKeyPem,
): Promise<string> {
  const cert = new X509Certificate(MAIL_SYNC_PRO.certificate.certificatePem);
  const nbf = claims.nbf ?? Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: claims.aud ?? '00000002-0000-0000-c000-000000000000',
    iss: claims.iss ?? MAIL_SYNC_PRO.spId,
    nbf,
    exp: claims.exp ?? nbf + 600,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t: createHash('sha1').update(cert.raw).digest('base64url') })
    .sign(createPrivateKey(privateKeyPem));
}

/**
 * One trusted simulator for the suite, reset before each test, with a fresh token of Revoker's responder app
 * handed to `onReady` (the suite keeps them in its own variables).
 */
export function useResponderSimulator(onReady: (ready: { sim: EntraSimulator; token: string }) => void): void {
  let sim: EntraSimulator | undefined;
  before(async () => {
    sim = await startTrustedSimulator();
  });
  after(() => sim?.close());
  beforeEach(async () => {
    if (!sim) throw new Error('the simulator did not start');
    sim.reset();
    onReady({ sim, token: await responderToken(sim) });
  });
}
