import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { GCP_SANDBOX, GcpSeedError, keyFileOf, parseGcpSeed, type GcpSeed } from './index.js';
import { SEED } from './test-support.js';

const clone = (): GcpSeed => structuredClone(SEED);
const account = (seed: GcpSeed, index: number) => {
  const found = seed.serviceAccounts[index];
  if (!found) throw new Error(`no account ${index}`);
  return found;
};

describe('Google Cloud seed', () => {
  it('accepts the sandbox fixture and agrees with GCP_SANDBOX', () => {
    const seed = parseGcpSeed(SEED);
    assert.equal(seed.projectId, GCP_SANDBOX.projectId);
    assert.equal(seed.projectNumber, GCP_SANDBOX.projectNumber);
    const keyNames = seed.serviceAccounts.flatMap((a) =>
      a.keys.map((k) => `projects/${seed.projectId}/serviceAccounts/${a.email}/keys/${k.keyId}`),
    );
    for (const name of [
      GCP_SANDBOX.responder.keyName,
      GCP_SANDBOX.compromised.stolenKeyName,
      GCP_SANDBOX.compromised.otherKeyName,
      GCP_SANDBOX.compromised.systemKeyName,
      GCP_SANDBOX.bystander.keyName,
    ]) {
      assert.ok(keyNames.includes(name), `${name} is in the fixture`);
    }
  });

  it('names the offending field in validation errors', () => {
    const cases: [string, (seed: GcpSeed) => void, RegExp][] = [
      [
        'key id',
        (s) => Object.assign(account(s, 1).keys[0] ?? {}, { keyId: 'ABC' }),
        /serviceAccounts\[1\]\.keys\[0\]\.keyId: must be 40 lowercase hex/,
      ],
      [
        'mismatched private key',
        (s) => Object.assign(account(s, 0).keys[0] ?? {}, { privateKey: account(s, 2).keys[0]?.privateKey }),
        /serviceAccounts\[0\]\.keys\[0\]\.privateKey: does not match publicKeyCertificate/,
      ],
      [
        'private half of a system key',
        (s) => Object.assign(account(s, 1).keys[2] ?? {}, { privateKey: account(s, 1).keys[0]?.privateKey }),
        /serviceAccounts\[1\]\.keys\[2\]\.privateKey: Google never releases/,
      ],
      [
        'unknown role',
        (s) => s.iamPolicy?.bindings.push({ role: 'roles/iam.serviceAccountKeyAdmn', members: [] }),
        /iamPolicy\.bindings\[\d+\]\.role: unknown role roles\/iam\.serviceAccountKeyAdmn/,
      ],
      [
        'duplicate account',
        (s) => Object.assign(account(s, 2), { email: account(s, 0).email }),
        /serviceAccounts\[2\]\.email: duplicate/,
      ],
      ['project id', (s) => Object.assign(s, { projectId: 'Acme_Prod' }), /projectId: must be a project ID/],
      [
        'member',
        (s) => s.iamPolicy?.bindings[0]?.members.push('revoker@acme'),
        /iamPolicy\.bindings\[0\]\.members\[1\]: must look like serviceAccount:EMAIL/,
      ],
    ];
    for (const [label, mutate, expected] of cases) {
      const seed = clone();
      mutate(seed);
      assert.throws(
        () => parseGcpSeed(seed, 'test.json'),
        (error: unknown) => {
          assert.ok(error instanceof GcpSeedError, label);
          assert.match(error.message, /^Invalid Google Cloud seed test\.json: /, label);
          assert.match(error.message, expected, label);
          return true;
        },
      );
    }
  });

  it('derives the public key from a private key when no certificate is given', () => {
    const seed = clone();
    delete account(seed, 0).keys[0]?.publicKeyCertificate;
    assert.doesNotThrow(() => parseGcpSeed(seed));
    delete account(seed, 0).keys[0]?.privateKey;
    assert.throws(
      () => parseGcpSeed(seed),
      /keys\[0\]\.publicKeyCertificate: a key needs publicKeyCertificate or privateKey/,
    );
  });

  it('builds key files exactly as Google hands them out', () => {
    const file = keyFileOf(SEED, GCP_SANDBOX.compromised.stolenKeyName);
    assert.deepEqual(Object.keys(file), [
      'type',
      'project_id',
      'private_key_id',
      'private_key',
      'client_email',
      'client_id',
      'auth_uri',
      'token_uri',
      'auth_provider_x509_cert_url',
      'client_x509_cert_url',
      'universe_domain',
    ]);
    assert.equal(file.type, 'service_account');
    assert.equal(file.private_key_id, '7cac08788d76f0e3341df982da12280a04f2ec85');
    assert.equal(file.client_email, GCP_SANDBOX.compromised.email);
    assert.equal(file.client_id, '113572049186620394718');
    assert.equal(file.token_uri, 'https://oauth2.googleapis.com/token');
    assert.equal(
      file.client_x509_cert_url,
      'https://www.googleapis.com/robot/v1/metadata/x509/etl-runner%40acme-prod.iam.gserviceaccount.com',
    );
    assert.equal(file.universe_domain, 'googleapis.com');
    const certificate = new X509Certificate(account(SEED, 1).keys[0]?.publicKeyCertificate ?? '');
    assert.ok(
      createPublicKey(createPrivateKey(file.private_key))
        .export({ type: 'spki', format: 'der' })
        .equals(certificate.publicKey.export({ type: 'spki', format: 'der' })),
      'the private key is the certificate key',
    );
    assert.deepEqual(keyFileOf(SEED, '7cac08788d76f0e3341df982da12280a04f2ec85'), file, 'a bare key id works too');
  });

  it('has no key file for keys without private material, unknown keys, or a key under the wrong account', () => {
    assert.throws(() => keyFileOf(SEED, GCP_SANDBOX.compromised.otherKeyName), /has no privateKey in the seed/);
    assert.throws(() => keyFileOf(SEED, GCP_SANDBOX.compromised.systemKeyName), /has no privateKey in the seed/);
    assert.throws(() => keyFileOf(SEED, '0'.repeat(40)), /is not in the seed/);
    const wrongAccount = GCP_SANDBOX.compromised.stolenKeyName.replace('etl-runner', 'reporting');
    assert.throws(() => keyFileOf(SEED, wrongAccount), /belongs to etl-runner@/);
  });
});
