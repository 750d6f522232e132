import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startAwsSimulator, type AwsSimulator } from './index.js';
import { ALICE, awsError, iamClient, RESPONDER, stsClient } from './test-support.js';

describe('AWS simulator: lost replies, propagation delay and random faults', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const deactivate = () =>
    iamClient(sim, RESPONDER).send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
    );
  const aliceKeyStatus = async () =>
    (await iamClient(sim, RESPONDER).send(new ListAccessKeysCommand({ UserName: 'alice' }))).AccessKeyMetadata?.find(
      (k) => k.AccessKeyId === ALICE.accessKeyId,
    )?.Status;

  it('commits a change whose reply is lost: the caller sees a reset connection', async () => {
    sim.injectFault({ action: 'UpdateAccessKey', lostResponse: true });
    await assert.rejects(deactivate(), (error: Error) =>
      /ECONNRESET|socket hang up/i.test(`${error.name} ${error.message}`),
    );
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Inactive');
    assert.equal(sim.mutations().counts['UpdateAccessKey'], 1);
  });

  it('commits a change whose reply comes too late for the client', async () => {
    sim.injectFault({ action: 'UpdateAccessKey', replyDelayMs: 1_500 });
    const client = iamClient(sim, RESPONDER);
    const abort = AbortSignal.timeout(300);
    await assert.rejects(
      client.send(
        new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
        { abortSignal: abort },
      ),
    );
    assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Inactive');
  });

  it('shows a change to reads and to the stolen key only after the propagation delay', async () => {
    sim.setFaultModes({ propagationMs: 600 });
    await deactivate();
    assert.equal(await aliceKeyStatus(), 'Active', 'ListAccessKeys still shows the key Active');
    await stsClient(sim, ALICE).send(new GetCallerIdentityCommand({}));
    await sleep(700);
    assert.equal(await aliceKeyStatus(), 'Inactive');
    await assert.rejects(
      stsClient(sim, ALICE).send(new GetCallerIdentityCommand({})),
      awsError('InvalidClientTokenId'),
    );
  });

  it('draws the same transient faults from the same seed, as AWS words them', async () => {
    const run = async () => {
      sim.reset();
      sim.setFaultModes({ random: { rate: 0.5, seed: 7, kinds: ['throttle', 'unavailable'] } });
      const seen: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        try {
          await stsClient(sim, RESPONDER).send(new GetCallerIdentityCommand({}));
          seen.push('ok');
        } catch (error) {
          const e = error as { name: string; message: string; $metadata: { httpStatusCode?: number } };
          seen.push(`${e.name} ${e.$metadata.httpStatusCode}`);
          if (e.name === 'Throttling') assert.equal(e.message, 'Rate exceeded');
        }
      }
      return seen;
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    assert.ok(first.includes('Throttling 400') && first.includes('ServiceUnavailable 503'), first.join(', '));
    assert.ok(first.filter((s) => s === 'ok').length >= 4, first.join(', '));
  });

  it('names the caller and the permission in an injected AccessDenied', async () => {
    sim.injectFault({ action: 'UpdateAccessKey', code: 'AccessDenied', times: 2 });
    await assert.rejects(
      deactivate(),
      awsError('AccessDenied', 403, /not authorized to perform: iam:UpdateAccessKey on resource: user alice/),
    );
  });

  it('accepts the modes through POST /_sim/faults and ends them with DELETE', async () => {
    const post = await fetch(`${sim.endpoint}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ propagationMs: 100, random: { rate: 0.3, seed: 1 } }),
    });
    assert.equal(post.status, 200);
    const modes = (await (await fetch(`${sim.endpoint}/_sim/faults/modes`)).json()) as { propagationMs: number };
    assert.equal(modes.propagationMs, 100);
    const bad = await fetch(`${sim.endpoint}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ propagationMs: -1 }),
    });
    assert.equal(bad.status, 400);
    await fetch(`${sim.endpoint}/_sim/faults`, { method: 'DELETE' });
    const cleared = (await (await fetch(`${sim.endpoint}/_sim/faults/modes`)).json()) as {
      propagationMs: number;
      random: unknown;
    };
    assert.deepEqual([cleared.propagationMs, cleared.random], [0, null]);
  });
});
