import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GCP_SANDBOX, startGcpSimulator, type GcpSimulator } from './index.js';
import {
  attackerIam,
  createServiceAccountKey,
  exchangeKeyForToken,
  generateAccessToken,
  GenerateAccessTokenError,
  grantTokenCreator,
  useCredential,
} from './stratus.js';
import { googleError, iamClient, keyFile, SEED } from './test-support.js';

const { projectId, compromised, responder, bystander, deployer } = GCP_SANDBOX;
const ETL = `serviceAccount:${compromised.email}`;
const DEPLOYER_ACCOUNT = `projects/${projectId}/serviceAccounts/${deployer.email}`;
const ETL_ACCOUNT = `projects/${projectId}/serviceAccounts/${compromised.email}`;
const stolen = () => ({ keyFile: keyFile(compromised.stolenKeyName) });

describe('GCP simulator: what a stolen key can plant (keys.create, account policies, generateAccessToken)', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const playbook = () => iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts;

  it('creates a key whose key file authenticates at once, and lists it; the private half is never kept', async () => {
    const { keyName, keyFile: backdoor } = await createServiceAccountKey(sim, stolen());
    assert.match(keyName, new RegExp(`^${ETL_ACCOUNT}/keys/[0-9a-f]{40}$`));
    assert.equal(backdoor.client_email, compromised.email);
    assert.equal(backdoor.private_key_id, keyName.split('/').pop());
    assert.match(backdoor.private_key, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(await useCredential(sim, { keyFile: backdoor }), 200, 'the backdoor works');
    const listed = await playbook().keys.list({ name: ETL_ACCOUNT, keyTypes: ['USER_MANAGED'] });
    assert.ok(listed.data.keys?.some((k) => k.name === keyName && k.keyOrigin === 'GOOGLE_PROVIDED'));
    assert.equal(sim.mutations().counts['keys.create'], 1);
    // Disabling the stolen key leaves the backdoor working: it is a key of its own.
    await playbook().keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    assert.equal(await useCredential(sim, stolen()), 401);
    assert.equal(await useCredential(sim, { keyFile: backdoor }), 200);
  });

  it('refuses keys.create without iam.serviceAccountKeys.create on the account, and past ten user-managed keys', async () => {
    // etl-runner's keyRotator role is on its own policy only.
    await assert.rejects(
      attackerIam(sim, stolen()).projects.serviceAccounts.keys.create({
        name: `projects/${projectId}/serviceAccounts/${bystander.email}`,
        requestBody: {},
      }),
      googleError(403, 'PERMISSION_DENIED', { message: /Permission iam\.serviceAccountKeys\.create is required/ }),
    );
    // etl-runner has three keys, two user-managed: eight more reach Google's limit of ten.
    for (let i = 0; i < 8; i += 1) await createServiceAccountKey(sim, stolen());
    await assert.rejects(
      createServiceAccountKey(sim, stolen()),
      googleError(400, 'FAILED_PRECONDITION', { message: /10 user-managed keys/ }),
    );
  });

  it('reads an account policy as empty (etag ACAB) until one is set, and refuses a stale etag with 409 ABORTED', async () => {
    const { data: empty } = await playbook().getIamPolicy({
      resource: ETL_ACCOUNT.replace(compromised.email, bystander.email),
    });
    assert.deepEqual(empty, { version: 1, etag: 'ACAB' });
    const { data: before } = await playbook().getIamPolicy({ resource: DEPLOYER_ACCOUNT });
    assert.deepEqual(before.bindings, [{ role: 'roles/iam.serviceAccountAdmin', members: [ETL] }]);
    const policy = { bindings: [...(before.bindings ?? []), { role: 'roles/iam.serviceAccountUser', members: [ETL] }] };
    const { data: after } = await playbook().setIamPolicy({
      resource: DEPLOYER_ACCOUNT,
      requestBody: { policy: { ...policy, etag: before.etag ?? null } },
    });
    assert.notEqual(after.etag, before.etag, 'a change makes a new etag');
    // The same read-modify-write again, with the etag it read first: someone changed the policy since.
    await assert.rejects(
      playbook().setIamPolicy({
        resource: DEPLOYER_ACCOUNT,
        requestBody: { policy: { ...policy, etag: before.etag ?? null } },
      }),
      googleError(409, 'ABORTED', { message: /^There were concurrent policy changes/ }),
    );
    assert.equal(sim.serviceAccountPolicy(deployer.email)?.etag, after.etag, 'the refused write changed nothing');
  });

  it('keeps a conditional binding at version 3, and shows it as _withcond_ without its condition at version 1', async () => {
    const condition = {
      title: 'until new year',
      expression: 'request.time < timestamp("2099-01-01T00:00:00Z")',
      description: 'temporary',
    };
    await assert.rejects(
      playbook().setIamPolicy({
        resource: DEPLOYER_ACCOUNT,
        requestBody: {
          policy: { bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: [ETL], condition }] },
        },
      }),
      googleError(400, 'INVALID_ARGUMENT', { message: /must be version 3/ }),
    );
    await grantTokenCreator(sim, stolen(), deployer.email, ETL, { condition });
    const v3 = await playbook().getIamPolicy({ resource: DEPLOYER_ACCOUNT, 'options.requestedPolicyVersion': 3 });
    assert.equal(v3.data.version, 3);
    assert.deepEqual(v3.data.bindings?.[1], {
      role: 'roles/iam.serviceAccountTokenCreator',
      members: [ETL],
      condition,
    });
    const v1 = await playbook().getIamPolicy({ resource: DEPLOYER_ACCOUNT });
    assert.equal(v1.data.version, 1);
    assert.match(v1.data.bindings?.[1]?.role ?? '', /^roles\/iam\.serviceAccountTokenCreator_withcond_[0-9a-f]+$/);
    assert.equal(v1.data.bindings?.[1]?.condition, undefined);
    // A condition that holds grants: the token can be minted.
    assert.match((await generateAccessToken(sim, stolen(), deployer.email)).accessToken, /^ya29\./);
  });

  it('grants nothing under a condition that no longer holds', async () => {
    const condition = { title: 'expired', expression: 'request.time < timestamp("2020-01-01T00:00:00Z")' };
    await grantTokenCreator(sim, stolen(), deployer.email, ETL, { condition });
    await assert.rejects(generateAccessToken(sim, stolen(), deployer.email), (e: unknown) => {
      assert.ok(e instanceof GenerateAccessTokenError && e.status === 403, String(e));
      return true;
    });
  });

  it('mints an access token only for a holder of iam.serviceAccounts.getAccessToken on the account', async () => {
    await assert.rejects(generateAccessToken(sim, stolen(), deployer.email), (e: unknown) => {
      assert.ok(e instanceof GenerateAccessTokenError, String(e));
      assert.equal(e.status, 403);
      assert.match(
        e.message,
        /Permission 'iam\.serviceAccounts\.getAccessToken' denied on resource \(or it may not exist\)/,
      );
      return true;
    });
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    const { accessToken, expireTime } = await generateAccessToken(sim, stolen(), deployer.email);
    assert.match(accessToken, /^ya29\.c\./);
    const lifetime = Date.parse(expireTime) - Date.now();
    assert.ok(lifetime > 3590_000 && lifetime <= 3600_000, `default lifetime 1 h, got ${lifetime} ms`);
    // The token acts as the deployer (roles/editor): it may read any account of the project.
    assert.equal(await useCredential(sim, { accessToken }, bystander.email), 200);
    assert.equal(JSON.stringify(await (await fetch(`${sim.rootUrl}_sim/state`)).json()).includes(accessToken), false);
  });

  it('refuses a lifetime over an hour unless the organization policy extends it for the account', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    await assert.rejects(generateAccessToken(sim, stolen(), deployer.email, 7200), (e: unknown) => {
      assert.ok(e instanceof GenerateAccessTokenError && e.status === 400, String(e));
      return true;
    });
    sim.reset({ ...SEED, allowCredentialLifetimeExtension: [deployer.email] });
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    const { expireTime } = await generateAccessToken(sim, stolen(), deployer.email, 43_200);
    assert.ok(Date.parse(expireTime) - Date.now() > 11 * 3600_000);
  });

  it('keeps a minted token working after the key that minted it is disabled, until the account is disabled', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    const { accessToken } = await generateAccessToken(sim, stolen(), deployer.email);
    await playbook().keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    await playbook().disable({ name: ETL_ACCOUNT, requestBody: {} });
    assert.equal(await useCredential(sim, stolen()), 401, 'the stolen key is dead');
    assert.equal(await useCredential(sim, { accessToken }, deployer.email), 200, 'its token is not');
    // Removing the grant stops new tokens, not this one.
    await playbook().setIamPolicy({
      resource: DEPLOYER_ACCOUNT,
      requestBody: { policy: { bindings: [{ role: 'roles/iam.serviceAccountAdmin', members: [ETL] }] } },
    });
    assert.equal(await useCredential(sim, { accessToken }, deployer.email), 200);
    await playbook().disable({ name: DEPLOYER_ACCOUNT, requestBody: {} });
    await assert.rejects(
      attackerIam(sim, { accessToken }).projects.serviceAccounts.get({ name: DEPLOYER_ACCOUNT }),
      googleError(401, 'UNAUTHENTICATED', { authFailure: 'account-disabled' }),
    );
  });

  it('refuses an expired token, and an unknown one', async () => {
    let now = new Date();
    const clocked = await startGcpSimulator({ now: () => now });
    try {
      await grantTokenCreator(clocked, stolen(), deployer.email, ETL);
      const { accessToken } = await generateAccessToken(clocked, stolen(), deployer.email, 600);
      assert.equal(await useCredential(clocked, { accessToken }, deployer.email), 200);
      now = new Date(now.getTime() + 601_000);
      await assert.rejects(
        attackerIam(clocked, { accessToken }).projects.serviceAccounts.get({ name: DEPLOYER_ACCOUNT }),
        googleError(401, 'UNAUTHENTICATED', { authFailure: 'expired' }),
      );
      await assert.rejects(
        attackerIam(clocked, { accessToken: 'ya29.c.forged' }).projects.serviceAccounts.get({ name: DEPLOYER_ACCOUNT }),
        googleError(401, 'UNAUTHENTICATED', { authFailure: 'unknown-token' }),
      );
    } finally {
      await clocked.close();
    }
  });

  it('exchanges a key JWT at /token for a token that outlives the key being disabled, but not the account being disabled', async () => {
    const { accessToken, expiresIn } = await exchangeKeyForToken(sim, keyFile(compromised.stolenKeyName));
    assert.equal(expiresIn, 3599);
    await playbook().keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    assert.equal(await useCredential(sim, { accessToken }, compromised.email), 200);
    await assert.rejects(exchangeKeyForToken(sim, keyFile(compromised.stolenKeyName)), /invalid|Invalid JWT/);
    await playbook().disable({ name: ETL_ACCOUNT, requestBody: {} });
    assert.equal(await useCredential(sim, { accessToken }, compromised.email), 401);
  });
});
