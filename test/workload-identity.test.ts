// The worker's own client factories take a cluster's workload identity, with nothing but the environment the cloud's
// Kubernetes integration gives a pod (docs/deploy/kubernetes.md): IRSA's web identity token file for AWS, Azure
// workload identity's federated token file for Entra, the GKE metadata server for Google Cloud. Each cloud's token
// service is a local stand-in here that checks what the SDK sends it; the SDKs' credential chains are the real ones.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { EntraSimulator } from '../simulators/entra/server.js';
import { MAIL_SYNC_PRO, startTrustedSimulator } from '../simulators/entra/test-support.js';
import { setEnvironment } from '../testing/responders.js';
import { createAwsClients } from '../worker/aws-clients.js';
import { createEntraClients } from '../worker/entra-clients.js';
import { createGcpClients } from '../worker/gcp-clients.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP server that records each request and answers with `answer`'s status, headers and body. */
async function standIn(
  answer: (request: Seen) => { status: number; body: string; headers?: Record<string, string> },
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      seen.push(request);
      const reply = answer(request);
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'revoker-workload-identity-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('AWS: IRSA (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, as the EKS pod identity webhook injects them)', () => {
  const ROLE = 'arn:aws:iam::111122223333:role/revoker-hub';
  const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.signature';
  let sts: Awaited<ReturnType<typeof standIn>>;
  let restore: () => void;

  before(async () => {
    sts = await standIn(() => ({
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>ASIAIRSAEXAMPLE00001</AccessKeyId>
      <SecretAccessKey>irsa-secret</SecretAccessKey>
      <SessionToken>irsa-session-token</SessionToken>
      <Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>${ROLE.replace(':role/', ':assumed-role/').replace('arn:aws:iam:', 'arn:aws:sts:')}/pod</Arn><AssumedRoleId>AROAEXAMPLE:pod</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`,
    }));
    const tokenFile = join(scratch, 'aws-token');
    writeFileSync(tokenFile, TOKEN);
    restore = setEnvironment({
      AWS_ROLE_ARN: ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_SESSION_NAME: 'revoker-worker-aws',
      // The SDK's web identity exchange goes to STS; here, to the stand-in (the SDK's service-specific endpoint).
      AWS_ENDPOINT_URL_STS: sts.url,
      // Nothing earlier in the default chain may answer instead: no keys, no profile, no config files, no IMDS.
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(scratch, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  after(async () => {
    restore();
    await sts.close();
  });

  it('assumes the role with the projected token and signs with the session it returns', async () => {
    const { iam } = createAwsClients({ region: 'us-east-1' });
    const credentials = await iam.config.credentials();
    assert.equal(credentials.accessKeyId, 'ASIAIRSAEXAMPLE00001');
    assert.equal(credentials.sessionToken, 'irsa-session-token');
    assert.equal(sts.seen.length, 1);
    const form = new URLSearchParams(sts.seen[0]!.body);
    assert.equal(form.get('Action'), 'AssumeRoleWithWebIdentity');
    assert.equal(form.get('RoleArn'), ROLE);
    assert.equal(form.get('WebIdentityToken'), TOKEN);
    assert.equal(form.get('RoleSessionName'), 'revoker-worker-aws');
  });
});

describe('Google Cloud: GKE Workload Identity (Application Default Credentials from the metadata server)', () => {
  const ACCOUNT = 'revoker-responder@example-project.iam.gserviceaccount.com';
  let metadata: Awaited<ReturnType<typeof standIn>>;
  let restore: () => void;

  before(async () => {
    metadata = await standIn((request) => {
      // The metadata server answers only requests that carry Metadata-Flavor: Google, and says so in its own.
      if (request.headers['metadata-flavor'] !== 'Google') return { status: 403, body: 'Missing Metadata-Flavor' };
      const headers = { 'metadata-flavor': 'Google', 'content-type': 'application/json' };
      const path = request.path.split('?')[0];
      if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
        return {
          status: 200,
          headers,
          body: JSON.stringify({ access_token: 'ya29.gke-workload-identity', expires_in: 3599, token_type: 'Bearer' }),
        };
      }
      if (path === '/computeMetadata/v1/instance/service-accounts/default/email') {
        return { status: 200, headers: { ...headers, 'content-type': 'application/text' }, body: ACCOUNT };
      }
      if (path === '/computeMetadata/v1/project/project-id') {
        return { status: 200, headers: { ...headers, 'content-type': 'application/text' }, body: 'example-project' };
      }
      return { status: 200, headers: { ...headers, 'content-type': 'application/text' }, body: '' };
    });
    restore = setEnvironment({
      // What a pod on GKE has: no key file, the metadata server (here the stand-in, by gcp-metadata's variable).
      GOOGLE_APPLICATION_CREDENTIALS: undefined,
      GCE_METADATA_HOST: metadata.url.replace('http://', ''),
      GCE_METADATA_IP: metadata.url.replace('http://', ''),
      CLOUDSDK_CONFIG: join(scratch, 'no-gcloud'),
    });
  });
  after(async () => {
    restore();
    await metadata.close();
  });

  it('takes its identity and tokens from the metadata server, with no key file', async () => {
    const iamApi = await standIn(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys: [] }),
    }));
    try {
      const gcp = createGcpClients({ rootUrl: `${iamApi.url}/` });
      assert.equal(await gcp.identity?.(), ACCOUNT);
      const listed = await gcp.iam.projects.serviceAccounts.keys.list({
        name: `projects/example-project/serviceAccounts/${ACCOUNT}`,
      });
      assert.deepEqual(listed.data, { keys: [] });
      assert.equal(iamApi.seen[0]?.headers.authorization, 'Bearer ya29.gke-workload-identity');
      assert.ok(
        metadata.seen.some((request) =>
          request.path.startsWith('/computeMetadata/v1/instance/service-accounts/default/token'),
        ),
      );
    } finally {
      await iamApi.close();
    }
  });
});

describe('Entra: Azure workload identity (AZURE_FEDERATED_TOKEN_FILE, as the Azure webhook injects it)', () => {
  let sim: EntraSimulator;
  let restore: () => void;

  before(async () => {
    sim = await startTrustedSimulator();
    // The projected token stands in as a client assertion the sandbox's token endpoint accepts: signed by the
    // certificate of an app it knows, for its token endpoint. A cluster's token is its OIDC issuer's, which Entra
    // checks against the app's federated credential; either way the credential sends the file's content, which is
    // what this shows.
    const certificate = new X509Certificate(MAIL_SYNC_PRO.certificate.certificatePem);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        x5t: Buffer.from(certificate.fingerprint.replace(/:/g, ''), 'hex').toString('base64url'),
      })
      .setIssuer(MAIL_SYNC_PRO.appId)
      .setSubject(MAIL_SYNC_PRO.appId)
      .setAudience(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .setJti(crypto.randomUUID())
      .sign(createPrivateKey(MAIL_SYNC_PRO.certificate.privateKeyPem));
    const tokenFile = join(scratch, 'azure-identity-token');
    writeFileSync(tokenFile, assertion);
    restore = setEnvironment({
      AZURE_CLIENT_ID: MAIL_SYNC_PRO.appId,
      AZURE_TENANT_ID: sim.tenantId,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      AZURE_AUTHORITY_HOST: sim.authorityHost,
      // No explicit credential: the worker then uses DefaultAzureCredential, as on a cluster.
      AZURE_CLIENT_SECRET: undefined,
      AZURE_CLIENT_CERTIFICATE_PATH: undefined,
      AZURE_USERNAME: undefined,
    });
  });
  after(async () => {
    restore();
    await sim.close();
  });

  it('exchanges the federated token file for a Graph token and calls Graph with it', async () => {
    const { graph } = createEntraClients({
      tenantId: sim.tenantId,
      authorityHost: sim.authorityHost,
      graphEndpoint: `${sim.authorityHost}/v1.0`,
    });
    // Any answer from Graph will do: the call needed a token, and the sign-in log says how it was had.
    await graph.get(`/servicePrincipals/${MAIL_SYNC_PRO.spId}`, z.unknown()).catch(() => undefined);
    const signIns = sim.signIns().filter((record) => record.appId === MAIL_SYNC_PRO.appId);
    assert.equal(signIns.length, 1, JSON.stringify(sim.signIns()));
    assert.equal(signIns[0]!.clientCredentialType, 'certificate');
    assert.equal(signIns[0]!.status.errorCode, 0);
  });
});
