import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AwsSeedError, DEFAULT_SEED_PATH, loadAwsSeed, parseAwsSeed } from './index.js';

describe('seed validation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aws-sim-seed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the sandbox fixture', () => {
    const seed = loadAwsSeed(DEFAULT_SEED_PATH);
    assert.equal(seed.accountId, '123456789012');
    assert.deepEqual(
      seed.users.map((u) => u.userName),
      ['revoker-responder', 'alice', 'ci-deployer'],
    );
    assert.deepEqual(
      seed.roles.map((r) => r.roleName),
      ['deploy', 'AWSServiceRoleForSupport'],
    );
  });

  it('names the offending field', () => {
    const seed = loadAwsSeed(DEFAULT_SEED_PATH);
    const broken = structuredClone(seed);
    const key = broken.users[1]?.accessKeys[0];
    assert.ok(key);
    key.accessKeyId = 'AKIA-not-a-key';
    const path = join(dir, 'broken.json');
    writeFileSync(path, JSON.stringify(broken));
    assert.throws(
      () => loadAwsSeed(path),
      (error: unknown) =>
        error instanceof AwsSeedError &&
        error.message.includes(path) &&
        error.message.includes(
          'users[1].accessKeys[0].accessKeyId: must be "AKIA" followed by 16 uppercase letters/digits',
        ),
    );
  });

  it('validates policy documents inside the seed', () => {
    assert.throws(
      () =>
        parseAwsSeed({
          accountId: '123456789012',
          users: [],
          roles: [
            {
              roleName: 'broken',
              assumeRolePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] },
            },
          ],
        }),
      /roles\[0\]\.assumeRolePolicy: invalid policy document: Missing required field Principal/,
    );
    assert.throws(
      () =>
        parseAwsSeed({
          accountId: '123456789012',
          users: [
            {
              userName: 'u',
              accessKeys: [],
              inlinePolicies: { P: { Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] } },
            },
          ],
          roles: [],
        }),
      /users\[0\]\.inlinePolicies\.P: invalid policy document: Invalid effect: "Maybe"/,
    );
  });

  it('rejects duplicates and a third access key', () => {
    const key = (n: number) => ({ accessKeyId: `AKIAAAAAAAAAAAAAAAA${n}`, secretAccessKey: 'a'.repeat(40) });
    assert.throws(
      () =>
        parseAwsSeed({
          accountId: '123456789012',
          users: [{ userName: 'u', accessKeys: [key(1), key(2), key(3)] }],
          roles: [],
        }),
      /users\[0\]\.accessKeys: IAM allows at most 2 access keys per user/,
    );
    assert.throws(
      () =>
        parseAwsSeed({
          accountId: '123456789012',
          users: [
            { userName: 'u', accessKeys: [key(1)] },
            { userName: 'v', accessKeys: [key(1)] },
          ],
          roles: [],
        }),
      /users\[1\]\.accessKeys\[0\]\.accessKeyId: duplicate access key AKIAAAAAAAAAAAAAAAA1/,
    );
  });
});
