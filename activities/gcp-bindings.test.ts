// gcp.removeTokenCreatorBinding and its release against the sandbox: the attacker's grant of
// roles/iam.serviceAccountTokenCreator on the deployer comes off, and a release puts exactly that copy back.
import type { iam_v1 } from '@googleapis/iam';
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { GcpBindingTarget } from '../domain/action.js';
import { GCP_SANDBOX, startGcpSimulator, type GcpSimulator } from '../simulators/gcp/index.js';
import { generateAccessToken, GenerateAccessTokenError, grantTokenCreator } from '../simulators/gcp/stratus.js';
import { iamClient, keyFile, loggingClient } from '../simulators/gcp/test-support.js';
import { anyProject, createGcpActivities } from './gcp.js';

const { projectId, compromised, responder, deployer, bystander } = GCP_SANDBOX;
const ETL = `serviceAccount:${compromised.email}`;
const TOKEN_CREATOR = 'roles/iam.serviceAccountTokenCreator';
const CONDITION = {
  title: 'until the audit',
  expression: 'request.time < timestamp("2099-01-01T00:00:00Z")',
  description: 'granted by the attacker',
};
const stolen = () => ({ keyFile: keyFile(compromised.stolenKeyName) });

describe('GCP token creator bindings: remove and restore', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const responderIam = () => iamClient(sim, keyFile(responder.keyName));
  /** Someone else grants the bystander a role on the deployer. */
  const grantBystander = (role: string) =>
    grantTokenCreator(
      sim,
      { keyFile: keyFile(responder.keyName) },
      deployer.email,
      `serviceAccount:${bystander.email}`,
      {
        role,
      },
    );
  /** The responder's client, with `afterRead` run after each getIamPolicy answers and before it returns. */
  const racingIam = (afterRead: () => Promise<void>) => {
    const iam = responderIam();
    const accounts = iam.projects.serviceAccounts;
    const read = accounts.getIamPolicy.bind(accounts) as (
      ...args: unknown[]
    ) => Promise<{ data: iam_v1.Schema$Policy }>;
    (accounts as unknown as { getIamPolicy: unknown }).getIamPolicy = async (...args: unknown[]) => {
      const answer = await read(...args);
      await afterRead();
      return answer;
    };
    return iam;
  };
  const activities = (iam: iam_v1.Iam = responderIam()) =>
    createGcpActivities(
      anyProject({ iam, logging: loggingClient(sim, keyFile(responder.keyName)), auditReading: { paceMs: 0 } }),
    );
  const target = (overrides: Partial<GcpBindingTarget> = {}): GcpBindingTarget => ({
    projectId,
    email: deployer.email,
    role: TOKEN_CREATOR,
    member: ETL,
    condition: CONDITION,
    ...overrides,
  });
  const bindings = () => sim.serviceAccountPolicy(deployer.email)?.bindings ?? [];
  const canMint = async () => {
    try {
      await generateAccessToken(sim, stolen(), deployer.email);
      return true;
    } catch (error) {
      if (error instanceof GenerateAccessTokenError && error.status === 403) return false;
      throw error;
    }
  };

  it('removes the member from that binding only, says it was already gone the second time, and verifies', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL, { condition: CONDITION });
    assert.equal(await canMint(), true);
    const gcp = activities();
    const first = await gcp.removeGcpTokenCreatorBinding(target());
    assert.equal(first.outcome, 'done');
    assert.match(
      first.observed,
      /serviceAccount:etl-runner@.* roles\/iam\.serviceAccountTokenCreator on deployer@.*: held/,
    );
    assert.deepEqual(bindings(), [{ role: 'roles/iam.serviceAccountAdmin', members: [ETL] }], 'the other grant stays');
    assert.equal(await canMint(), false, 'no new tokens');
    assert.deepEqual(await gcp.verifyGcpTokenCreatorBindingRemoved(target()), {
      ok: true,
      evidence: `getIamPolicy shows ${ETL} ${TOKEN_CREATOR} on ${deployer.email} (condition "${CONDITION.title}") not held (etag ${sim.serviceAccountPolicy(deployer.email)?.etag})`,
    });
    const again = await gcp.removeGcpTokenCreatorBinding(target());
    assert.equal(again.outcome, 'already');
    assert.equal(sim.mutations().counts['serviceAccounts.setIamPolicy'], 2, 'the grant and one removal');
  });

  it('tells a binding by its condition: the unconditional one is another grant', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL, { condition: CONDITION });
    const gcp = activities();
    const other = target({ condition: undefined });
    assert.equal((await gcp.removeGcpTokenCreatorBinding(other)).outcome, 'already');
    assert.equal((await gcp.verifyGcpTokenCreatorBindingRemoved(other)).ok, true);
    assert.equal((await gcp.verifyGcpTokenCreatorBindingRemoved(target())).ok, false, 'the conditional one is held');
    assert.equal(await canMint(), true);
  });

  it('restores exactly the copy, condition included, once, and verifies; the member can mint again', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL, { condition: CONDITION });
    const gcp = activities();
    await gcp.removeGcpTokenCreatorBinding(target());
    // Meanwhile someone else is granted the same role under the same condition: the release adds to that binding.
    const reporting = `serviceAccount:${bystander.email}`;
    await grantTokenCreator(sim, { keyFile: keyFile(responder.keyName) }, deployer.email, reporting, {
      condition: CONDITION,
    });
    const restored = await gcp.restoreGcpTokenCreatorBinding(target());
    assert.equal(restored.outcome, 'done');
    assert.deepEqual(bindings(), [
      { role: 'roles/iam.serviceAccountAdmin', members: [ETL] },
      { role: TOKEN_CREATOR, members: [reporting, ETL], condition: CONDITION },
    ]);
    assert.equal((await gcp.verifyGcpTokenCreatorBindingRestored(target())).ok, true);
    assert.equal((await gcp.restoreGcpTokenCreatorBinding(target())).outcome, 'already');
    assert.equal(await canMint(), true);
  });

  it('restores a binding that was dropped whole as a binding of its own, at policy version 3', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL, { condition: CONDITION });
    const gcp = activities();
    await gcp.removeGcpTokenCreatorBinding(target());
    await gcp.restoreGcpTokenCreatorBinding(target());
    const policy = sim.serviceAccountPolicy(deployer.email);
    assert.equal(policy?.version, 3);
    assert.deepEqual(policy?.bindings.at(-1), { role: TOKEN_CREATOR, members: [ETL], condition: CONDITION });
    // Without a condition, it comes back without one.
    const plain = target({ condition: undefined, member: `serviceAccount:${bystander.email}` });
    await gcp.restoreGcpTokenCreatorBinding(plain);
    assert.deepEqual(bindings().at(-1), { role: TOKEN_CREATOR, members: [plain.member] });
  });

  it('reads again and re-applies when another change lands between its read and its write (409 ABORTED)', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    let raced = 0;
    // The first read is followed by someone else's write, so the etag it returned is stale by the time it is used.
    const iam = racingIam(async () => {
      if (raced++ === 0) await grantBystander('roles/iam.serviceAccountUser');
    });
    const outcome = await activities(iam).removeGcpTokenCreatorBinding(target({ condition: undefined }));
    assert.equal(outcome.outcome, 'done');
    assert.equal(raced, 2, 'read twice');
    assert.deepEqual(bindings(), [
      { role: 'roles/iam.serviceAccountAdmin', members: [ETL] },
      { role: 'roles/iam.serviceAccountUser', members: [`serviceAccount:${bystander.email}`] },
    ]);
  });

  it('gives a change that keeps losing its race back to Temporal as retryable', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    let n = 0;
    // Every read is followed by someone else's write.
    const iam = racingIam(async () => {
      n += 1;
      await grantBystander(n % 2 ? 'roles/iam.serviceAccountUser' : 'roles/iam.serviceAccountKeyAdmin');
    });
    await assert.rejects(
      activities(iam).removeGcpTokenCreatorBinding(target({ condition: undefined })),
      (error: unknown) => {
        assert.ok(error instanceof ApplicationFailure, String(error));
        assert.equal(error.type, 'ProviderUnavailableError');
        assert.equal(error.nonRetryable, false);
        return true;
      },
    );
    assert.equal(n, 5);
  });

  it('refuses with what to grant when the responder may not set the policy', async () => {
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    // reporting holds nothing on IAM.
    const gcp = activities(iamClient(sim, keyFile(bystander.keyName)));
    await assert.rejects(gcp.removeGcpTokenCreatorBinding(target({ condition: undefined })), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, 'PermissionDeniedError');
      assert.match(error.message, /iam\.serviceAccounts\.getIamPolicy/);
      return true;
    });
    assert.ok(
      bindings().some((b) => b.role === TOKEN_CREATOR),
      'nothing changed',
    );
  });

  it('sweeps and watches a project as activities, errors classified', async () => {
    const gcp = activities();
    const sweep = await gcp.sweepGcpProject({
      projectId,
      emails: [compromised.email],
      keyNames: [],
      since: new Date(Date.now() - 60_000).toISOString(),
    });
    assert.deepEqual(sweep.findings, []);
    const watch = await gcp.watchGcpProject({
      provider: 'gcp',
      scope: projectId,
      credentials: [],
      since: new Date().toISOString(),
    });
    assert.deepEqual(watch.hits, []);
    const denied = createGcpActivities(
      anyProject({
        iam: responderIam(),
        logging: loggingClient(sim, keyFile(bystander.keyName)),
        auditReading: { paceMs: 0 },
      }),
    );
    await assert.rejects(
      denied.sweepGcpProject({
        projectId,
        emails: [compromised.email],
        keyNames: [],
        since: new Date(0).toISOString(),
      }),
      (error: unknown) =>
        error instanceof ApplicationFailure && error.type === 'PermissionDeniedError' && error.nonRetryable,
    );
  });
});
