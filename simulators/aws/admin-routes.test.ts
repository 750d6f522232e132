import { ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startAwsSimulator, type AwsSimulator, type PublicState } from './index.js';
import { ALICE, awsError, iamClient, RESPONDER, sessionCredentials, stsClient } from './test-support.js';

describe('/_sim admin routes', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${sim.endpoint}${path}`)).json()) as T;
  const post = (path: string, body?: unknown) =>
    fetch(`${sim.endpoint}${path}`, { method: 'POST', body: body === undefined ? '' : JSON.stringify(body) });

  it('exposes state without secret access keys or session tokens', async () => {
    const session = sessionCredentials((await stsClient(sim, ALICE).send(new GetSessionTokenCommand({}))).Credentials);
    const response = await fetch(`${sim.endpoint}/_sim/state`);
    const text = await response.text();
    for (const secret of [
      ALICE.secretAccessKey,
      RESPONDER.secretAccessKey,
      session.secretAccessKey,
      session.sessionToken ?? '',
    ]) {
      assert.equal(text.includes(secret), false, 'a secret leaked into /_sim/state');
    }
    assert.doesNotMatch(text, /secret|sessionToken/i);
    const state = JSON.parse(text) as PublicState;
    assert.equal(state.accountId, '123456789012');
    assert.deepEqual(
      state.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId),
      ['AKIAALICE07EXAMPLE01', 'AKIAALICE07EXAMPLE02'],
    );
    assert.equal(state.roles.find((r) => r.roleName === 'AWSServiceRoleForSupport')?.serviceLinked, true);
    assert.deepEqual(
      state.sessions.map((s) => [s.kind, s.arn, s.accessKeyId]),
      [['session', 'arn:aws:iam::123456789012:user/alice', session.accessKeyId]],
    );
  });

  it('reports mutations, injects faults and resets', async () => {
    const injected = await post('/_sim/faults', [{ action: 'iam:ListAccessKeys', code: 'ServiceFailure', times: 1 }]);
    assert.equal(injected.status, 200);
    await assert.rejects(
      iamClient(sim, RESPONDER).send(new ListAccessKeysCommand({ UserName: 'alice' })),
      awsError('ServiceFailureException', 500),
    );
    await iamClient(sim, RESPONDER).send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
    );
    const mutations = await get<{ counts: Record<string, number>; log: { action: string; target: string }[] }>(
      '/_sim/mutations',
    );
    assert.deepEqual(mutations.counts, { UpdateAccessKey: 1 });
    assert.equal(mutations.log[0]?.target, ALICE.accessKeyId);

    assert.equal((await post('/_sim/reset')).status, 200);
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Active');
    assert.deepEqual((await get<{ counts: object }>('/_sim/mutations')).counts, {});
  });

  it('validates fault and seed bodies', async () => {
    const badFault = await post('/_sim/faults', { action: 'GetUser', times: 0 });
    assert.equal(badFault.status, 400);
    const badSeed = await post('/_sim/reset', { accountId: 'nope', users: [], roles: [] });
    assert.equal(badSeed.status, 400);
    assert.match(((await badSeed.json()) as { error: string }).error, /accountId: must be a 12-digit AWS account id/);
    const custom = await post('/_sim/reset', { accountId: '210987654321', users: [], roles: [] });
    assert.equal(custom.status, 200);
    assert.equal(sim.accountId, '210987654321');
  });
});
