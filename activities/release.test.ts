import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type {
  AwsKeyTarget,
  AwsRoleTarget,
  AwsUserTarget,
  EntraServicePrincipalTarget,
  EntraUserTarget,
  GcpKeyTarget,
  GcpServiceAccountTarget,
} from '../domain/action.js';
import { startAwsSimulator, type AwsSimulator } from '../simulators/aws/index.js';
import {
  ACCOUNT,
  ALICE,
  ALICE_SECOND,
  cloudTrailClient,
  iamClient,
  RESPONDER,
  stsClient,
} from '../simulators/aws/test-support.js';
import type { EntraSimulator } from '../simulators/entra/index.js';
import {
  ADELE,
  MAIL_SYNC_PRO,
  RESPONDER as ENTRA_RESPONDER,
  secretCredential,
  startTrustedSimulator,
  TENANT_ID,
} from '../simulators/entra/test-support.js';
import { GCP_SANDBOX, keyFileOf, startGcpSimulator, type GcpSimulator } from '../simulators/gcp/index.js';
import {
  iamClient as gcpIamClient,
  loggingClient as gcpLoggingClient,
  SEED as GCP_SEED,
} from '../simulators/gcp/test-support.js';
import { createAwsActivities, singleAccount, type AwsActivities } from './aws.js';
import { ROLE_REVOKE_POLICY_NAME, USER_DENY_POLICY_NAME } from './aws-policies.js';
import { createEntraActivities, singleTenant, type EntraActivities } from './entra.js';
import { anyProject, createGcpActivities, type GcpActivities } from './gcp.js';
import { createGraphClient } from './graph-client.js';

// Release undoes containment after a false positive: each test contains with the existing activity, releases,
// and checks both the activity's verification and the simulator's own state.

const SECRETS = [
  RESPONDER.secretAccessKey,
  ALICE.secretAccessKey,
  ALICE_SECOND.secretAccessKey,
  ENTRA_RESPONDER.secret,
  MAIL_SYNC_PRO.attackerSecret.secret,
  ...GCP_SEED.serviceAccounts.flatMap((sa) => sa.keys.flatMap((k) => (k.privateKey ? [k.privateKey] : []))),
];

function assertNoSecrets(value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `a sandbox secret leaked into ${text.slice(0, 80)}…`);
  assert.doesNotMatch(text, /eyJ[\w-]+\.eyJ|Bearer /, 'a token leaked');
}

// The activity environment logs every failed attempt as a warning; several tests fail on purpose.
const logger = new DefaultLogger('ERROR');

type Activities = Record<string, (arg: never) => Promise<unknown>>;

/** Runs one activity by name in a Temporal activity Context, as a worker would, and checks its result for secrets. */
async function run<T extends Activities, K extends keyof T & string>(
  activities: T,
  name: K,
  arg: Parameters<T[K]>[0],
): Promise<Awaited<ReturnType<T[K]>>> {
  type Arg = Parameters<T[K]>[0];
  type Result = Awaited<ReturnType<T[K]>>;
  const activity = activities[name] as (arg: Arg) => Promise<Result>;
  // MockActivityEnvironment.run cannot infer the result type from the function it is given.
  const result = await new MockActivityEnvironment(undefined, { logger }).run<[Arg], Result, typeof activity>(
    activity,
    arg,
  );
  assertNoSecrets(result);
  return result;
}

/** assert.rejects predicate: the typed ApplicationFailure Temporal sees, with whether a retry may help. */
function failure(type: string, { retryable, message }: { retryable: boolean; message?: RegExp }) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
    assert.equal(error.type, type, error.message);
    assert.equal(error.nonRetryable, !retryable);
    if (message) assert.match(error.message, message);
    assertNoSecrets(error.message);
    return true;
  };
}

describe('AWS release activities', () => {
  let sim: AwsSimulator;
  let aws: AwsActivities;
  const key: AwsKeyTarget = { accountId: ACCOUNT, userName: 'alice', accessKeyId: ALICE.accessKeyId };
  const user: AwsUserTarget = { accountId: ACCOUNT, userName: 'alice' };
  const role: AwsRoleTarget = { accountId: ACCOUNT, roleName: 'deploy' };
  const revokedAt = '2026-12-01T10:00:00.000Z';

  before(async () => {
    sim = await startAwsSimulator();
    aws = createAwsActivities(
      singleAccount({
        iam: iamClient(sim, RESPONDER),
        sts: stsClient(sim, RESPONDER),
        cloudtrail: cloudTrailClient(sim, RESPONDER),
      }),
    );
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('reactivates a deactivated key, verifies it Active, and answers already the second time', async () => {
    await run(aws, 'deactivateAwsAccessKey', key);
    assert.equal((await run(aws, 'verifyAwsAccessKey', { ...key, expected: 'Active' })).ok, false);

    const released = await run(aws, 'reactivateAwsAccessKey', key);
    assert.equal(released.outcome, 'done');
    assert.equal(released.observed, `${ALICE.accessKeyId} was Inactive`);
    assert.ok(released.requestId, 'the provider request id is reported');
    const check = await run(aws, 'verifyAwsAccessKey', { ...key, expected: 'Active' });
    assert.deepEqual(check, { ok: true, evidence: `ListAccessKeys for alice shows ${ALICE.accessKeyId} Active` });
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Active');

    const again = await run(aws, 'reactivateAwsAccessKey', key);
    assert.deepEqual(again, { outcome: 'already', observed: `${ALICE.accessKeyId} was already Active` });
    assert.equal(sim.mutations().counts.UpdateAccessKey, 2, 'one deactivation and one reactivation');
  });

  it('fails fast with TargetNotFoundError when the key was deleted after containment', async () => {
    const second: AwsKeyTarget = { ...key, accessKeyId: ALICE_SECOND.accessKeyId };
    await run(aws, 'deactivateAwsAccessKey', second);
    await run(aws, 'deleteAwsAccessKey', second);

    await assert.rejects(
      run(aws, 'reactivateAwsAccessKey', second),
      failure('TargetNotFoundError', { retryable: false, message: /AKIAALICE07EXAMPLE02.*no longer exists/ }),
    );
    assert.equal((await run(aws, 'verifyAwsAccessKey', { ...second, expected: 'Active' })).ok, false);
  });

  it("removes Revoker's deny-all user policy and leaves the user's own policies", async () => {
    await run(aws, 'denyAwsUserSessions', user);
    assert.equal((await run(aws, 'verifyAwsUserDenyRemoved', user)).ok, false);

    const released = await run(aws, 'removeAwsUserDeny', user);
    assert.equal(released.outcome, 'done');
    assert.equal(released.observed, `${USER_DENY_POLICY_NAME} denied * on *`);
    assert.ok(released.requestId);
    assert.equal((await run(aws, 'verifyAwsUserDenyRemoved', user)).ok, true);
    assert.deepEqual(Object.keys(sim.userPolicies('alice')), ['DeveloperS3AndSts']);

    const again = await run(aws, 'removeAwsUserDeny', user);
    assert.equal(again.outcome, 'already');
    assert.equal(sim.mutations().counts.DeleteUserPolicy, 1);
  });

  it('refuses to call a missing user released: no policy and no user is TargetNotFoundError', async () => {
    await assert.rejects(
      run(aws, 'removeAwsUserDeny', { accountId: ACCOUNT, userName: 'mallory' }),
      failure('TargetNotFoundError', { retryable: false, message: /mallory/ }),
    );
  });

  it('leaves throttling to Temporal: retryable, and the retry removes the policy exactly once', async () => {
    await run(aws, 'denyAwsUserSessions', user);
    sim.injectFault({ action: 'DeleteUserPolicy', code: 'Throttling' });
    await assert.rejects(run(aws, 'removeAwsUserDeny', user), failure('ThrottledError', { retryable: true }));
    assert.equal((await run(aws, 'removeAwsUserDeny', user)).outcome, 'done');
    assert.equal(sim.mutations().counts.DeleteUserPolicy, 1);
  });

  it('removes the role revocation Revoker put on', async () => {
    await run(aws, 'revokeAwsRoleSessions', { ...role, issuedBefore: revokedAt });
    const target = { ...role, issuedBefore: revokedAt };
    assert.equal((await run(aws, 'verifyAwsRoleRevocationRemoved', target)).ok, false);

    const released = await run(aws, 'removeAwsRoleRevocation', target);
    assert.equal(released.outcome, 'done');
    assert.equal(released.observed, `sessions issued before ${revokedAt} were denied`);
    assert.ok(released.requestId);
    assert.equal((await run(aws, 'verifyAwsRoleRevocationRemoved', target)).ok, true);
    assert.deepEqual(Object.keys(sim.rolePolicies('deploy')), ['DeployS3']);

    const again = await run(aws, 'removeAwsRoleRevocation', target);
    assert.equal(again.outcome, 'already');
    assert.equal(sim.mutations().counts.DeleteRolePolicy, 1);
  });

  it('compares cut-offs as instants, not as text', async () => {
    await run(aws, 'revokeAwsRoleSessions', { ...role, issuedBefore: revokedAt });
    // The same instant as revokedAt; as text it sorts before it.
    const released = await run(aws, 'removeAwsRoleRevocation', { ...role, issuedBefore: '2026-12-01T09:00:00-01:00' });
    assert.equal(released.outcome, 'done');
  });

  it('leaves a later revocation in place and says so', async () => {
    const later = '2026-12-01T11:30:00.000Z';
    await run(aws, 'revokeAwsRoleSessions', { ...role, issuedBefore: revokedAt });
    // Another responder revoked again afterwards: that decision is not Revoker's to undo.
    await run(aws, 'revokeAwsRoleSessions', { ...role, issuedBefore: later });
    const target = { ...role, issuedBefore: revokedAt };

    const released = await run(aws, 'removeAwsRoleRevocation', target);
    assert.equal(released.outcome, 'already');
    assert.match(released.observed ?? '', /later revocation \(cut-off 2026-12-01T11:30:00\.000Z\).*left in place/);
    assert.ok(sim.rolePolicies('deploy')[ROLE_REVOKE_POLICY_NAME], 'the later revocation stays');
    assert.equal(sim.mutations().counts.DeleteRolePolicy, undefined);
    assert.equal((await run(aws, 'verifyAwsRoleRevocationRemoved', target)).ok, true);
    assert.equal((await run(aws, 'verifyAwsRoleSessionsRevoked', { ...role, issuedBefore: later })).ok, true);
  });
});

describe('Entra release activities', () => {
  let sim: EntraSimulator;
  let entra: EntraActivities;
  const user: EntraUserTarget = { tenantId: TENANT_ID, userId: ADELE.id, userPrincipalName: ADELE.upn };
  const sp: EntraServicePrincipalTarget = {
    tenantId: TENANT_ID,
    servicePrincipalId: MAIL_SYNC_PRO.spId,
    appId: MAIL_SYNC_PRO.appId,
    displayName: 'Mail Sync Pro',
  };

  before(async () => {
    sim = await startTrustedSimulator();
    const credential = secretCredential(sim, ENTRA_RESPONDER.appId, ENTRA_RESPONDER.secret);
    entra = createEntraActivities(
      singleTenant({ graph: createGraphClient({ credential, baseUrl: sim.graphEndpoint }), tenantId: TENANT_ID }),
    );
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('enables a disabled user, verifies it, and answers already the second time', async () => {
    await run(entra, 'disableEntraUser', user);
    assert.equal((await run(entra, 'verifyEntraUserEnabled', user)).ok, false);

    const released = await run(entra, 'enableEntraUser', user);
    assert.equal(released.outcome, 'done');
    assert.equal(released.observed, `${ADELE.upn} was disabled`);
    assert.ok(released.requestId);
    assert.deepEqual(await run(entra, 'verifyEntraUserEnabled', user), {
      ok: true,
      evidence: `accountEnabled of ${ADELE.upn} is true`,
    });
    assert.equal(sim.user(ADELE.id)?.accountEnabled, true);

    const again = await run(entra, 'enableEntraUser', user);
    assert.deepEqual(again, { outcome: 'already', observed: `${ADELE.upn} was already enabled` });
    assert.equal(sim.mutations().counts.updateUser, 2);
  });

  it('enables a disabled service principal and answers already the second time', async () => {
    await run(entra, 'disableEntraServicePrincipal', sp);
    assert.equal((await run(entra, 'verifyEntraServicePrincipalEnabled', sp)).ok, false);

    const released = await run(entra, 'enableEntraServicePrincipal', sp);
    assert.equal(released.outcome, 'done');
    assert.equal(released.observed, 'the service principal was disabled');
    assert.equal((await run(entra, 'verifyEntraServicePrincipalEnabled', sp)).ok, true);
    assert.equal(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.accountEnabled, true);

    assert.equal((await run(entra, 'enableEntraServicePrincipal', sp)).outcome, 'already');
    assert.equal(sim.mutations().counts.updateServicePrincipal, 2);
  });

  it('fails fast with TargetNotFoundError for a user that does not exist', async () => {
    const missing = { ...user, userId: '00000000-0000-0000-0000-000000000001' };
    await assert.rejects(
      run(entra, 'enableEntraUser', missing),
      failure('TargetNotFoundError', { retryable: false, message: /Check the tenant and ids/ }),
    );
  });

  it('leaves throttling to Temporal: retryable', async () => {
    await run(entra, 'disableEntraUser', user);
    sim.injectFault({ path: '/users', method: 'PATCH', status: 429, retryAfterSeconds: 2 });
    await assert.rejects(run(entra, 'enableEntraUser', user), failure('ThrottledError', { retryable: true }));
    assert.equal(sim.user(ADELE.id)?.accountEnabled, false);
  });
});

describe('Google Cloud release activities', () => {
  let sim: GcpSimulator;
  let gcp: GcpActivities;
  const { compromised, responder } = GCP_SANDBOX;
  const key: GcpKeyTarget = {
    projectId: GCP_SANDBOX.projectId,
    email: compromised.email,
    keyName: compromised.stolenKeyName,
  };
  const account: GcpServiceAccountTarget = { projectId: GCP_SANDBOX.projectId, email: compromised.email };

  before(async () => {
    sim = await startGcpSimulator();
    const key = keyFileOf(GCP_SEED, responder.keyName);
    gcp = createGcpActivities(anyProject({ iam: gcpIamClient(sim, key), logging: gcpLoggingClient(sim, key) }));
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('enables a disabled key, verifies it, and answers already the second time', async () => {
    await run(gcp, 'disableGcpKey', key);
    assert.equal((await run(gcp, 'verifyGcpKey', { ...key, expected: 'enabled' })).ok, false);

    const released = await run(gcp, 'enableGcpKey', key);
    assert.deepEqual(released, {
      outcome: 'done',
      observed: 'key 7cac08788d76f0e3341df982da12280a04f2ec85 was disabled',
    });
    assert.deepEqual(await run(gcp, 'verifyGcpKey', { ...key, expected: 'enabled' }), {
      ok: true,
      evidence: 'keys.get shows key 7cac08788d76f0e3341df982da12280a04f2ec85 enabled',
    });
    assert.equal(sim.key(compromised.stolenKeyName)?.disabled, false);

    assert.equal((await run(gcp, 'enableGcpKey', key)).outcome, 'already');
    assert.equal(sim.mutations().counts['keys.enable'], 1);
  });

  it('fails fast with TargetNotFoundError when the key was deleted after containment', async () => {
    await run(gcp, 'disableGcpKey', key);
    await run(gcp, 'deleteGcpKey', key);
    await assert.rejects(
      run(gcp, 'enableGcpKey', key),
      failure('TargetNotFoundError', { retryable: false, message: /no longer exists/ }),
    );
  });

  it('catches a lost write: the enable answers success but verification fails', async () => {
    await run(gcp, 'disableGcpKey', key);
    sim.injectFault({ method: 'keys.enable', lostWrite: true });
    assert.equal((await run(gcp, 'enableGcpKey', key)).outcome, 'done');
    assert.equal((await run(gcp, 'verifyGcpKey', { ...key, expected: 'enabled' })).ok, false);
  });

  it('enables a disabled service account and answers already the second time', async () => {
    await run(gcp, 'disableGcpServiceAccount', account);
    assert.equal((await run(gcp, 'verifyGcpServiceAccountEnabled', account)).ok, false);

    const released = await run(gcp, 'enableGcpServiceAccount', account);
    assert.deepEqual(released, { outcome: 'done', observed: `${compromised.email} was disabled` });
    assert.equal((await run(gcp, 'verifyGcpServiceAccountEnabled', account)).ok, true);
    assert.equal(sim.serviceAccount(compromised.email)?.disabled, false);

    assert.equal((await run(gcp, 'enableGcpServiceAccount', account)).outcome, 'already');
    assert.equal(sim.mutations().counts['serviceAccounts.enable'], 1);
  });

  it('leaves Google outages to Temporal: retryable', async () => {
    await run(gcp, 'disableGcpServiceAccount', account);
    sim.injectFault({ method: 'serviceAccounts.enable', status: 503 });
    await assert.rejects(
      run(gcp, 'enableGcpServiceAccount', account),
      failure('ProviderUnavailableError', { retryable: true }),
    );
    assert.equal(sim.serviceAccount(compromised.email)?.disabled, true);
  });
});
