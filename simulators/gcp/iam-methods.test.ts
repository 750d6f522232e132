import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GCP_SANDBOX, startGcpSimulator, type GcpSimulator } from './index.js';
import { googleError, iamClient, keyFile, SEED } from './test-support.js';

const { projectId, compromised, responder, bystander } = GCP_SANDBOX;
const ETL_ACCOUNT = `projects/${projectId}/serviceAccounts/${compromised.email}`;
const keyId = (name: string) => name.split('/').pop() ?? name;

describe('IAM v1 service account and key methods', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const accounts = () => iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts;

  it('gets a service account by email, unique id or the projects/- wildcard, omitting false booleans', async () => {
    const { data } = await accounts().get({ name: ETL_ACCOUNT });
    assert.deepEqual(data, {
      name: ETL_ACCOUNT,
      projectId,
      uniqueId: '113572049186620394718',
      email: compromised.email,
      displayName: 'Nightly ETL runner',
      etag: 'MDEwMjE5MjA=',
      description: 'Compromised: key 7cac0878… was committed to a public repository.',
      oauth2ClientId: '113572049186620394718',
    });
    assert.equal('disabled' in data, false, 'an enabled account has no disabled field');
    const byId = await accounts().get({ name: `projects/-/serviceAccounts/113572049186620394718` });
    assert.equal(byId.data.name, ETL_ACCOUNT, 'names come back canonical: project id and email');
    const byNumber = await accounts().get({
      name: `projects/${GCP_SANDBOX.projectNumber}/serviceAccounts/${compromised.email}`,
    });
    assert.equal(byNumber.data.email, compromised.email);
  });

  it('lists keys, filtered by keyTypes, without deleted keys or any key material', async () => {
    const all = await accounts().keys.list({ name: ETL_ACCOUNT });
    assert.deepEqual(
      all.data.keys?.map((k) => [keyId(k.name ?? ''), k.keyType]),
      [
        [keyId(compromised.stolenKeyName), 'USER_MANAGED'],
        [keyId(compromised.otherKeyName), 'USER_MANAGED'],
        [keyId(compromised.systemKeyName), 'SYSTEM_MANAGED'],
      ],
    );
    const userManaged = await accounts().keys.list({ name: ETL_ACCOUNT, keyTypes: ['USER_MANAGED'] });
    assert.deepEqual(userManaged.data.keys?.[0], {
      name: compromised.stolenKeyName,
      validAfterTime: '2026-03-14T10:22:41Z',
      validBeforeTime: '9999-12-31T23:59:59Z',
      keyAlgorithm: 'KEY_ALG_RSA_2048',
      keyOrigin: 'GOOGLE_PROVIDED',
      keyType: 'USER_MANAGED',
    });
    assert.equal(userManaged.data.keys?.length, 2);

    await accounts().keys.delete({ name: compromised.otherKeyName });
    const after = await accounts().keys.list({ name: ETL_ACCOUNT, keyTypes: ['USER_MANAGED'] });
    assert.deepEqual(
      after.data.keys?.map((k) => k.name),
      [compromised.stolenKeyName],
    );
  });

  it('disables, enables and deletes a user-managed key, counting each change', async () => {
    const keys = accounts().keys;
    assert.deepEqual((await keys.disable({ name: compromised.stolenKeyName, requestBody: {} })).data, {});
    const disabled = await keys.get({ name: compromised.stolenKeyName });
    assert.equal(disabled.data.disabled, true);
    assert.equal(disabled.data.disableReason, 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_USER_INITIATED');
    assert.deepEqual(sim.key(compromised.stolenKeyName), {
      name: compromised.stolenKeyName,
      disabled: true,
      keyType: 'USER_MANAGED',
    });

    await keys.enable({ name: compromised.stolenKeyName, requestBody: {} });
    const enabled = await keys.get({ name: compromised.stolenKeyName });
    assert.equal('disabled' in enabled.data, false);

    await keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    assert.deepEqual((await keys.delete({ name: compromised.stolenKeyName })).data, {});
    assert.equal(sim.key(compromised.stolenKeyName), undefined);
    await assert.rejects(
      keys.get({ name: compromised.stolenKeyName }),
      googleError(404, 'NOT_FOUND', {
        message: new RegExp(`^Service account key ${keyId(compromised.stolenKeyName)} does not exist\\.$`),
      }),
    );

    const { counts, log } = sim.mutations();
    assert.deepEqual(counts, { 'keys.disable': 2, 'keys.enable': 1, 'keys.delete': 1 });
    assert.deepEqual(
      log.map((entry) => [entry.operation, entry.target]),
      [
        ['keys.disable', compromised.stolenKeyName],
        ['keys.enable', compromised.stolenKeyName],
        ['keys.disable', compromised.stolenKeyName],
        ['keys.delete', compromised.stolenKeyName],
      ],
    );
  });

  it('disables and enables a service account; disabled shows only while true', async () => {
    assert.deepEqual((await accounts().disable({ name: ETL_ACCOUNT, requestBody: {} })).data, {});
    assert.equal((await accounts().get({ name: ETL_ACCOUNT })).data.disabled, true);
    assert.equal(sim.serviceAccount(compromised.email)?.disabled, true);
    await accounts().enable({ name: ETL_ACCOUNT, requestBody: {} });
    assert.equal('disabled' in (await accounts().get({ name: ETL_ACCOUNT })).data, false);
    assert.deepEqual(sim.mutations().counts, { 'serviceAccounts.disable': 1, 'serviceAccounts.enable': 1 });
  });

  it('refuses to disable or delete a SYSTEM_MANAGED key and changes nothing', async () => {
    const precondition = googleError(400, 'FAILED_PRECONDITION', { message: /SYSTEM_MANAGED/ });
    await assert.rejects(accounts().keys.disable({ name: compromised.systemKeyName, requestBody: {} }), precondition);
    await assert.rejects(accounts().keys.delete({ name: compromised.systemKeyName }), precondition);
    assert.deepEqual(sim.key(compromised.systemKeyName), {
      name: compromised.systemKeyName,
      disabled: false,
      keyType: 'SYSTEM_MANAGED',
    });
    assert.deepEqual(sim.mutations().counts, {});
  });

  it('answers 403 naming the missing permission, for callers without the role', async () => {
    const reporting = iamClient(sim, keyFile(bystander.keyName)).projects.serviceAccounts;
    await assert.rejects(
      reporting.get({ name: ETL_ACCOUNT }),
      googleError(403, 'PERMISSION_DENIED', {
        message: new RegExp(
          `^Permission iam\\.serviceAccounts\\.get is required to perform this operation on service account ${ETL_ACCOUNT}\\.$`,
        ),
      }),
    );
    // The attacker's roles/viewer reads but cannot contain anything.
    const attacker = iamClient(sim, keyFile(compromised.stolenKeyName)).projects.serviceAccounts;
    await assert.rejects(
      attacker.keys.disable({ name: compromised.otherKeyName, requestBody: {} }),
      (error: unknown) => {
        googleError(403, 'PERMISSION_DENIED', { message: /^Permission iam\.serviceAccountKeys\.disable is required/ })(
          error,
        );
        const details = (error as { response: { data: { error: { details: unknown } } } }).response.data.error.details;
        assert.deepEqual(details, [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'IAM_PERMISSION_DENIED',
            domain: 'iam.googleapis.com',
            metadata: { permission: 'iam.serviceAccountKeys.disable' },
          },
        ]);
        return true;
      },
    );
    assert.equal(sim.key(compromised.otherKeyName)?.disabled, false);
  });

  it('answers 404 for unknown accounts and keys, and 403 for unknown accounts under projects/-', async () => {
    const ghost = `projects/${projectId}/serviceAccounts/ghost@${projectId}.iam.gserviceaccount.com`;
    await assert.rejects(
      accounts().get({ name: ghost }),
      googleError(404, 'NOT_FOUND', { message: new RegExp(`^Service account ${ghost} does not exist\\.$`) }),
    );
    await assert.rejects(
      accounts().keys.disable({ name: `${ETL_ACCOUNT}/keys/${'0'.repeat(40)}`, requestBody: {} }),
      googleError(404, 'NOT_FOUND', { message: /^Service account key 0{40} does not exist\.$/ }),
    );
    await assert.rejects(
      accounts().keys.get({
        name: `projects/-/serviceAccounts/${responder.email}/keys/${keyId(compromised.stolenKeyName)}`,
      }),
      googleError(404, 'NOT_FOUND'),
      'a key under the wrong account does not exist there',
    );
    await assert.rejects(
      accounts().keys.list({ name: 'projects/-/serviceAccounts/ghost@acme-prod.iam.gserviceaccount.com' }),
      googleError(403, 'PERMISSION_DENIED', {
        message: /iam\.serviceAccountKeys\.list .* projects\/-\/serviceAccounts\/ghost@/,
      }),
    );
    const response = await fetch(new URL('v1/projects/acme-prod/roles', sim.rootUrl));
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');
  });

  it('returns the public key as an X.509 PEM or raw SPKI on request, never the private key', async () => {
    const pem = await accounts().keys.get({ name: compromised.stolenKeyName, publicKeyType: 'TYPE_X509_PEM_FILE' });
    const certificate = new X509Certificate(Buffer.from(pem.data.publicKeyData ?? '', 'base64'));
    assert.equal(certificate.subject, `CN=${compromised.email}`);
    const seeded = SEED.serviceAccounts[1]?.keys[0]?.publicKeyCertificate;
    assert.equal(certificate.toString(), new X509Certificate(seeded ?? '').toString());
    const raw = await accounts().keys.get({ name: compromised.stolenKeyName, publicKeyType: 'TYPE_RAW_PUBLIC_KEY' });
    assert.ok(
      certificate.publicKey
        .export({ type: 'spki', format: 'der' })
        .equals(Buffer.from(raw.data.publicKeyData ?? '', 'base64')),
    );
    const plain = await accounts().keys.get({ name: compromised.stolenKeyName });
    assert.equal('publicKeyData' in plain.data, false);
  });

  it('validates enum parameters and request bodies as Google does', async () => {
    await assert.rejects(
      accounts().keys.list({ name: ETL_ACCOUNT, keyTypes: ['USER_MANGED'] }),
      googleError(400, 'INVALID_ARGUMENT', { message: /^Invalid value at 'key_types\[0\]'.*"USER_MANGED"$/ }),
    );
    await assert.rejects(
      accounts().keys.disable({ name: compromised.stolenKeyName, requestBody: { reason: 'leaked' } }),
      googleError(400, 'INVALID_ARGUMENT', { message: /Unknown name "reason"/ }),
    );
    await accounts().keys.disable({
      name: compromised.stolenKeyName,
      requestBody: { serviceAccountKeyDisableReason: 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED' },
    });
    const key = await accounts().keys.get({ name: compromised.stolenKeyName });
    assert.equal(key.data.disableReason, 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED');
    assert.deepEqual(sim.mutations().counts, { 'keys.disable': 1 });
  });
});
