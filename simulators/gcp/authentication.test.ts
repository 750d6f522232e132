import { auth, iam } from '@googleapis/iam';
import { SignJWT } from 'jose';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GCP_SANDBOX, startGcpSimulator, type GcpSimulator } from './index.js';
import { CLOUD_PLATFORM, googleError, iamClient, keyFile } from './test-support.js';

const { compromised, responder } = GCP_SANDBOX;
const ETL_ACCOUNT = `projects/${GCP_SANDBOX.projectId}/serviceAccounts/${compromised.email}`;

describe('self-signed JWT authentication with the unmodified @googleapis/iam client', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const attacker = () => iamClient(sim, keyFile(compromised.stolenKeyName));
  const playbook = () => iamClient(sim, keyFile(responder.keyName));
  const attackerReads = () => attacker().projects.serviceAccounts.keys.list({ name: ETL_ACCOUNT });

  it('lets the stolen key read its own account and keys before containment (roles/viewer)', async () => {
    const account = await attacker().projects.serviceAccounts.get({ name: ETL_ACCOUNT });
    assert.equal(account.data.email, compromised.email);
    const keys = await attackerReads();
    assert.equal(keys.data.keys?.length, 3);
  });

  it('refuses the stolen key with 401 once keys.disable ran, and accepts it again after keys.enable', async () => {
    await attackerReads();
    await playbook().projects.serviceAccounts.keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    await assert.rejects(
      attackerReads(),
      googleError(401, 'UNAUTHENTICATED', {
        message: /^Request had invalid authentication credentials\. Expected OAuth 2 access token/,
        authFailure: 'key-disabled',
      }),
    );
    await playbook().projects.serviceAccounts.keys.enable({ name: compromised.stolenKeyName, requestBody: {} });
    assert.equal((await attackerReads()).status, 200);
  });

  it('keeps refusing the stolen key after keys.delete', async () => {
    const client = playbook();
    await client.projects.serviceAccounts.keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    await client.projects.serviceAccounts.keys.delete({ name: compromised.stolenKeyName });
    await assert.rejects(attackerReads(), googleError(401, 'UNAUTHENTICATED', { authFailure: 'key-deleted' }));
  });

  it('refuses every key of a disabled service account, and only of that account', async () => {
    await playbook().projects.serviceAccounts.disable({ name: ETL_ACCOUNT, requestBody: {} });
    await assert.rejects(attackerReads(), googleError(401, 'UNAUTHENTICATED', { authFailure: 'account-disabled' }));
    assert.equal((await playbook().projects.serviceAccounts.get({ name: ETL_ACCOUNT })).data.disabled, true);
  });

  it('refuses a JWT signed by another private key under the stolen key id (forged)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = {
      ...keyFile(compromised.stolenKeyName),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    await assert.rejects(
      iamClient(sim, forged).projects.serviceAccounts.get({ name: ETL_ACCOUNT }),
      googleError(401, 'UNAUTHENTICATED', { authFailure: 'signature' }),
    );
  });

  it('refuses a JWT naming a key of another account', async () => {
    const mixed = { ...keyFile(compromised.stolenKeyName), client_email: responder.email };
    await assert.rejects(
      iamClient(sim, mixed).projects.serviceAccounts.get({ name: ETL_ACCOUNT }),
      googleError(401, 'UNAUTHENTICATED', { authFailure: 'unknown-key' }),
    );
  });

  it('refuses an expired JWT (the library signs for one hour; the simulated clock is two hours ahead)', async () => {
    const later = await startGcpSimulator({ now: () => new Date(Date.now() + 2 * 3600_000) });
    try {
      await assert.rejects(
        iamClient(later, keyFile(compromised.stolenKeyName)).projects.serviceAccounts.get({ name: ETL_ACCOUNT }),
        googleError(401, 'UNAUTHENTICATED', { authFailure: 'expired' }),
      );
    } finally {
      await later.close();
    }
  });

  it('refuses JWTs that live longer than an hour, and tokens without an IAM scope', async () => {
    const file = keyFile(compromised.stolenKeyName);
    const sign = (lifetimeSeconds: number, scope: string) =>
      new SignJWT({ scope })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: file.private_key_id })
        .setIssuer(file.client_email)
        .setSubject(file.client_email)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds)
        .sign(createPrivateKey(file.private_key));
    const call = async (token: string) =>
      fetch(new URL(`v1/${ETL_ACCOUNT}`, sim.rootUrl), { headers: { authorization: `Bearer ${token}` } });

    assert.equal((await call(await sign(3600, CLOUD_PLATFORM))).status, 200, 'a valid hand-made JWT passes');
    const long = await call(await sign(7200, CLOUD_PLATFORM));
    assert.equal(long.status, 401);
    assert.equal(long.headers.get('x-sim-auth-failure'), 'lifetime-too-long');
    const storage = await call(await sign(600, 'https://www.googleapis.com/auth/devstorage.read_only'));
    assert.equal(storage.status, 403);
    assert.deepEqual(((await storage.json()) as { error: object }).error, {
      code: 403,
      message: 'Request had insufficient authentication scopes.',
      errors: [{ message: 'Request had insufficient authentication scopes.', domain: 'global', reason: 'forbidden' }],
      status: 'PERMISSION_DENIED',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
          domain: 'googleapis.com',
        },
      ],
    });
  });

  it('asks for credentials when there is no bearer token', async () => {
    const response = await fetch(new URL(`v1/${ETL_ACCOUNT}`, sim.rootUrl));
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="https://accounts.google.com/"');
    const body = (await response.json()) as { error: { status: string; message: string } };
    assert.equal(body.error.status, 'UNAUTHENTICATED');
    assert.match(body.error.message, /^Request is missing required authentication credential\./);
  });

  it('works with the worker construction: key file from GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gcp-adc-'));
    const previous = process.env['GOOGLE_APPLICATION_CREDENTIALS'];
    try {
      const path = join(dir, 'responder.json');
      writeFileSync(path, JSON.stringify(keyFile(responder.keyName)), { mode: 0o600 });
      process.env['GOOGLE_APPLICATION_CREDENTIALS'] = path;
      const googleAuth = new auth.GoogleAuth({ scopes: [CLOUD_PLATFORM] });
      googleAuth.useJWTAccessWithScope = true;
      const client = iam({ version: 'v1', auth: googleAuth, rootUrl: sim.rootUrl, retry: false });
      await client.projects.serviceAccounts.keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
      assert.deepEqual(sim.mutations().log[0]?.target, compromised.stolenKeyName);
    } finally {
      if (previous === undefined) delete process.env['GOOGLE_APPLICATION_CREDENTIALS'];
      else process.env['GOOGLE_APPLICATION_CREDENTIALS'] = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
