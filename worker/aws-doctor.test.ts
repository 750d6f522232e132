import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAwsSimulator, type AwsSimulator } from '../simulators/aws/index.js';
import { seedWithout } from '../simulators/aws/test-support.js';
import { createAwsClients } from './aws-clients.js';
import { createAwsActivities, singleAccount } from '../activities/aws.js';

const RESPONDER = { accessKeyId: 'AKIARSPNDR7EXAMPLE01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYRESPONDER1' };

describe('revoker doctor: AWS access check', () => {
  let sim: AwsSimulator;
  before(async () => {
    sim = await startAwsSimulator();
  });
  after(() => sim.close());

  const check = (credentials = RESPONDER) =>
    createAwsActivities(singleAccount(createAwsClients({ endpoint: sim.endpoint, credentials }))).checkAwsAccess();

  it('reaches the account, finds nothing missing, and changes nothing', async () => {
    sim.reset();
    const [result, ...more] = await check();
    assert.equal(more.length, 0);
    assert.equal(result?.reachable, true);
    assert.equal(result?.id, '123456789012');
    assert.match(result?.identity ?? '', /user\/revoker-responder$/);
    assert.deepEqual(result?.missing, []);
    assert.ok(result?.unchecked.includes('iam:GetAccessKeyLastUsed'));
    assert.equal(sim.mutations().log.length, 0, 'the probe wrote nothing');
  });

  it('names each permission the responder policy lacks, with what it is for', async () => {
    sim.reset(
      seedWithout('iam:PutUserPolicy', 'iam:DeleteRolePolicy', 'cloudtrail:LookupEvents', 'iam:ListGroupsForUser'),
    );
    const [result] = await check();
    assert.equal(result?.reachable, true);
    assert.deepEqual(
      result?.missing.map((m) => m.split(':').slice(0, 2).join(':')),
      ['iam:ListGroupsForUser', 'iam:PutUserPolicy', 'iam:DeleteRolePolicy', 'cloudtrail:LookupEvents'],
    );
    assert.ok(
      result?.missing.every((m) => m.split(': ')[1]?.length),
      'each says what it is for',
    );
    assert.equal(sim.mutations().log.length, 0);
  });

  it('without GetUser it cannot tell a free name, and says which checks it skipped', async () => {
    sim.reset(seedWithout('iam:GetUser'));
    const [result] = await check();
    assert.ok(result?.missing.some((m) => m.startsWith('iam:GetUser:')));
    assert.ok(result?.unchecked.includes('iam:UpdateAccessKey'));
    assert.equal(sim.mutations().log.length, 0);
  });

  it('reports an account it cannot reach with why, instead of failing', async () => {
    sim.reset();
    const [result] = await check({ ...RESPONDER, secretAccessKey: 'wrong' });
    assert.equal(result?.reachable, false);
    assert.ok(result?.problem, 'a reason is given');
  });
});
