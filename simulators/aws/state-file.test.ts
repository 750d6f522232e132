import { PutUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { GetFederationTokenCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startAwsSimulator } from './index.js';
import {
  ALICE,
  ALLOW_ALL,
  DENY_ALL,
  iamClient,
  RESPONDER,
  s3Client,
  sessionCredentials,
  stsClient,
} from './test-support.js';

describe('state file persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aws-sim-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart with keys, policies and issued sessions intact', async () => {
    const stateFile = join(dir, 'nested', 'sandbox.json');
    const first = await startAwsSimulator({ stateFile });
    assert.ok(existsSync(stateFile), 'written at start');
    await iamClient(first, RESPONDER).send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
    );
    const federation = sessionCredentials(
      (
        await stsClient(first, {
          accessKeyId: 'AKIAALICE07EXAMPLE02',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYALICEKEY02',
        }).send(new GetFederationTokenCommand({ Name: 'persisted', Policy: ALLOW_ALL }))
      ).Credentials,
    );
    await first.close();
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['sandbox.json'], 'no temporary file left behind');

    const second = await startAwsSimulator({ stateFile });
    try {
      assert.equal(second.accessKey(ALICE.accessKeyId)?.status, 'Inactive');
      assert.deepEqual(second.mutations().counts, {}, 'counters are per process, state is not');
      const buckets = await s3Client(second, federation).send(new ListBucketsCommand({}));
      assert.equal(buckets.Buckets?.length, 3, 'the session issued before the restart still authenticates');

      await iamClient(second, RESPONDER).send(
        new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'RevokerContainment', PolicyDocument: DENY_ALL }),
      );
      const onDisk = readFileSync(stateFile, 'utf8');
      assert.match(onDisk, /RevokerContainment/, 'rewritten after the mutation');
    } finally {
      await second.close();
    }
  });

  it('reset() rewrites the file from the seed', async () => {
    const stateFile = join(dir, 'reset.json');
    const sim = await startAwsSimulator({ stateFile });
    try {
      await iamClient(sim, RESPONDER).send(
        new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
      );
      sim.reset();
      assert.equal(sim.accessKey(ALICE.accessKeyId)?.status, 'Active');
      assert.doesNotMatch(readFileSync(stateFile, 'utf8'), /"status": "Inactive"/);
    } finally {
      await sim.close();
    }
  });
});
