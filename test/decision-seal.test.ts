import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DecideRequest } from '../domain/decision.js';
import { DEFAULT_POLICY, Policy } from '../domain/policy.js';
import { sealHolds } from '../workflows/seal.js';
import {
  decisionSealer,
  generateDecisionKeyPem,
  loadDecisionSealer,
  startingPolicy,
  withVerifierKey,
} from '../connect/decision-seal.js';

const WORKFLOW = 'contain/p.abc';
const request: DecideRequest = {
  verdict: 'approve',
  approver: 'kim@example.com',
  actions: ['aws:delete-key:AKIAAAAAAAAAAAAAAAA1'],
  verifiedBy: 'link',
  link: 'link-1',
};
const sealer = decisionSealer(generateKeyPairSync('ed25519').privateKey);

describe('decision seals', () => {
  it('are checked by the workflow code with the public key alone', () => {
    const sealed = sealer.seal(WORKFLOW, request);
    assert.match(sealed.seal ?? '', /^[0-9a-f]{128}$/);
    assert.match(sealer.publicKey, /^ed25519:[0-9a-f]{64}$/);
    assert.equal(sealHolds([sealer.publicKey], WORKFLOW, sealed), true);
  });

  it('do not hold for another playbook, approver, verdict, step, reason or way of verifying', () => {
    const sealed = sealer.seal(WORKFLOW, request);
    assert.equal(sealHolds([sealer.publicKey], 'contain/p.other', sealed), false);
    for (const changed of [
      { approver: 'sam@example.com' },
      { verdict: 'reject' as const },
      { actions: 'all' as const },
      { reason: 'added later' },
      { verifiedBy: 'identity-token' as const },
      { link: 'link-2' },
    ]) {
      assert.equal(sealHolds([sealer.publicKey], WORKFLOW, { ...sealed, ...changed }), false, JSON.stringify(changed));
    }
  });

  it('do not hold for another key, a missing seal, or keys that are not curve points', () => {
    const sealed = sealer.seal(WORKFLOW, request);
    const other = decisionSealer(generateKeyPairSync('ed25519').privateKey);
    assert.equal(sealHolds([other.publicKey], WORKFLOW, sealed), false);
    assert.equal(sealHolds([other.publicKey, sealer.publicKey], WORKFLOW, sealed), true, 'any listed key (rotation)');
    assert.equal(sealHolds([sealer.publicKey], WORKFLOW, { ...request }), false);
    assert.equal(sealHolds([`ed25519:${'f'.repeat(64)}`], WORKFLOW, sealed), false);
    assert.equal(sealHolds([sealer.publicKey], WORKFLOW, { ...sealed, seal: '0'.repeat(128) }), false);
  });

  it('seal the request as the playbook parses it (a trimmed approver)', () => {
    const sealed = sealer.seal(WORKFLOW, { ...request, approver: '  kim@example.com ' });
    assert.equal(sealed.approver, 'kim@example.com');
    assert.equal(sealHolds([sealer.publicKey], WORKFLOW, sealed), true);
  });

  it('load from REVOKER_DECISION_KEY_FILE, and say how to make one when the file is not an Ed25519 key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-'));
    const file = join(dir, 'decision-key.pem');
    writeFileSync(file, generateDecisionKeyPem());
    const loaded = loadDecisionSealer({ REVOKER_DECISION_KEY_FILE: file });
    assert.ok(loaded);
    assert.equal(sealHolds([loaded.publicKey], WORKFLOW, loaded.seal(WORKFLOW, request)), true);
    assert.equal(loadDecisionSealer({}), undefined);

    const rsa = join(dir, 'rsa.pem');
    writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    assert.throws(() => loadDecisionSealer({ REVOKER_DECISION_KEY_FILE: rsa }), /rsa, not Ed25519/);
    writeFileSync(join(dir, 'junk.pem'), 'not a key');
    assert.throws(
      () => loadDecisionSealer({ REVOKER_DECISION_KEY_FILE: join(dir, 'junk.pem') }),
      /REVOKER_DECISION_KEY_FILE .*`openssl genpkey -algorithm ed25519/,
    );
  });

  it('are required of a webhook whose policy takes verified approvers only', () => {
    const oidc = { ...DEFAULT_POLICY, trustedIdentities: 'oidc' as const };
    assert.throws(() => startingPolicy(oidc, undefined), /trustedIdentities: oidc.*REVOKER_DECISION_KEY_FILE/);
    assert.deepEqual(startingPolicy(oidc, sealer).verifierKeys, [sealer.publicKey]);
    assert.equal(startingPolicy(DEFAULT_POLICY, undefined), DEFAULT_POLICY, 'the namespace mode needs no key');
  });

  it("put the starting server's key first in the policy, once, and the policy stays valid", () => {
    const policy = withVerifierKey(
      { ...DEFAULT_POLICY, verifierKeys: [`ed25519:${'a'.repeat(64)}`] },
      sealer.publicKey,
    );
    assert.deepEqual(policy.verifierKeys, [sealer.publicKey, `ed25519:${'a'.repeat(64)}`]);
    assert.deepEqual(withVerifierKey(policy, sealer.publicKey).verifierKeys, policy.verifierKeys);
    assert.equal(withVerifierKey(DEFAULT_POLICY, undefined), DEFAULT_POLICY);
    assert.ok(Policy.safeParse(policy).success);
    assert.match(
      JSON.stringify(Policy.safeParse({ ...DEFAULT_POLICY, verifierKeys: ['rsa:abc'] }).error?.issues),
      /ed25519: and 64 hex digits/,
    );
  });
});
