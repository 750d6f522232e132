import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from './authz.js';
import { parsePolicyObject } from './policy-doc.js';
import { evaluatePolicies } from './policy-eval.js';

const policy = (...Statement: Record<string, unknown>[]) =>
  parsePolicyObject({ Version: '2012-10-17', Statement }, 'identity');
const keys = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));
const request = (action: string, resource = '*', context: Record<string, string> = {}) => ({
  action,
  resource,
  keys: keys(context),
});

describe('policy evaluation', () => {
  it('matches actions case-insensitively with wildcards, resources case-sensitively', () => {
    const doc = policy({
      Effect: 'Allow',
      Action: ['iam:Get*', 's3:List*'],
      Resource: 'arn:aws:iam::123456789012:user/*',
    });
    assert.equal(evaluatePolicies([doc], request('IAM:GETUSER', 'arn:aws:iam::123456789012:user/alice')), 'Allow');
    assert.equal(
      evaluatePolicies([doc], request('iam:UpdateAccessKey', 'arn:aws:iam::123456789012:user/alice')),
      'NoMatch',
    );
    assert.equal(evaluatePolicies([doc], request('iam:GetUser', 'arn:aws:iam::123456789012:USER/alice')), 'NoMatch');
    assert.equal(evaluatePolicies([doc], request('iam:GetRole', 'arn:aws:iam::123456789012:role/deploy')), 'NoMatch');
  });

  it('explicit deny beats allow; NotAction excludes', () => {
    const allow = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
    const denyAllButIdentity = policy({ Effect: 'Deny', NotAction: 'sts:GetCallerIdentity', Resource: '*' });
    assert.equal(evaluatePolicies([allow, denyAllButIdentity], request('s3:ListAllMyBuckets')), 'Deny');
    assert.equal(evaluatePolicies([allow, denyAllButIdentity], request('sts:GetCallerIdentity')), 'Allow');
  });

  it('a condition on a missing key does not match, so TokenIssueTime denies skip long-term keys', () => {
    const revoke = policy({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-11-23T12:00:00.000Z' } },
    });
    assert.equal(evaluatePolicies([revoke], request('s3:ListAllMyBuckets')), 'NoMatch');
    assert.equal(
      evaluatePolicies(
        [revoke],
        request('s3:ListAllMyBuckets', '*', { 'aws:TokenIssueTime': '2026-11-23T11:59:59.999Z' }),
      ),
      'Deny',
    );
    assert.equal(
      evaluatePolicies(
        [revoke],
        request('s3:ListAllMyBuckets', '*', { 'aws:TokenIssueTime': '2026-11-23T12:00:00.000Z' }),
      ),
      'NoMatch',
      'DateLessThan is strict',
    );
  });

  it('supports date, string, bool operators, IfExists, Null and epoch dates', () => {
    const doc = policy({
      Effect: 'Allow',
      Action: 's3:*',
      Resource: '*',
      Condition: {
        DateGreaterThanEquals: { 'aws:CurrentTime': '1767225600' },
        StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/a*' },
        StringEquals: { 'aws:username': ['bob', 'alice'] },
        BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
        Null: { 'aws:TokenIssueTime': 'true' },
      },
    });
    const ctx = {
      'aws:CurrentTime': '2026-11-23T13:00:00Z',
      'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/alice',
      'aws:username': 'alice',
    };
    assert.equal(evaluatePolicies([doc], request('s3:GetObject', '*', ctx)), 'Allow');
    assert.equal(evaluatePolicies([doc], request('s3:GetObject', '*', { ...ctx, 'aws:username': 'carol' })), 'NoMatch');
    assert.equal(
      evaluatePolicies([doc], request('s3:GetObject', '*', { ...ctx, 'aws:CurrentTime': '2025-01-01T00:00:00Z' })),
      'NoMatch',
    );
    assert.equal(
      evaluatePolicies([doc], request('s3:GetObject', '*', { ...ctx, 'aws:TokenIssueTime': ctx['aws:CurrentTime'] })),
      'NoMatch',
    );
    assert.equal(
      evaluatePolicies([doc], request('s3:GetObject', '*', { ...ctx, 'aws:MultiFactorAuthPresent': 'true' })),
      'NoMatch',
    );
  });

  it('negated operators match when the key is absent', () => {
    const doc = policy({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:username': 'alice' } },
    });
    assert.equal(evaluatePolicies([doc], request('s3:GetObject')), 'Deny');
    assert.equal(evaluatePolicies([doc], request('s3:GetObject', '*', { 'aws:username': 'alice' })), 'NoMatch');
  });

  it('substitutes policy variables in resources', () => {
    const doc = policy({
      Effect: 'Allow',
      Action: 'iam:GetUser',
      Resource: 'arn:aws:iam::123456789012:user/${aws:username}',
    });
    const arn = 'arn:aws:iam::123456789012:user/alice';
    assert.equal(evaluatePolicies([doc], request('iam:GetUser', arn, { 'aws:username': 'alice' })), 'Allow');
    assert.equal(evaluatePolicies([doc], request('iam:GetUser', arn, { 'aws:username': 'bob' })), 'NoMatch');
    assert.equal(evaluatePolicies([doc], request('iam:GetUser', arn)), 'NoMatch', 'a missing variable never matches');
  });

  it('session policies intersect with identity policies and say which layer denied', () => {
    const identity = [policy({ Effect: 'Allow', Action: ['s3:*', 'sts:*'], Resource: '*' })];
    assert.deepEqual(decide({ identity, session: [] }, request('s3:ListAllMyBuckets')), {
      allowed: false,
      reason: 'implicit-session',
    });
    const session = [policy({ Effect: 'Allow', Action: '*', Resource: '*' })];
    assert.deepEqual(decide({ identity, session }, request('s3:ListAllMyBuckets')), { allowed: true });
    assert.deepEqual(decide({ identity, session }, request('iam:GetUser')), {
      allowed: false,
      reason: 'implicit-identity',
    });
    const deny = [policy({ Effect: 'Deny', Action: '*', Resource: '*' })];
    assert.deepEqual(decide({ identity: [...identity, ...deny], session }, request('s3:ListAllMyBuckets')), {
      allowed: false,
      reason: 'explicit-identity',
    });
  });
});
