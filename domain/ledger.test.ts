import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  abandonRelease,
  controlOwner,
  emptyLedger,
  endedControl,
  hold,
  holdMustWait,
  isHeldControl,
  isIdle,
  recordGone,
  recordOutcome,
  recordReleased,
  releaseHold,
} from './ledger.js';

const DENY = 'aws:deny-user-sessions:123456789012/alice';
const AT = '2026-12-02T10:00:00.000Z';
const A = 'contain/a#run-a';
const B = 'contain/b#run-b';

describe('the principal ledger', () => {
  it('lets holds go on after a release that never ended, keeping the control on record as in force', () => {
    const ledger = emptyLedger('aws/123456789012/user/alice');
    hold(ledger, { incident: A, control: DENY });
    recordOutcome(ledger, { incident: A, control: DENY, outcome: 'done', at: AT });
    assert.equal(releaseHold(ledger, { incident: A, control: DENY }).verdict, 'undo');
    assert.ok(holdMustWait(ledger, { incident: B, control: DENY }), 'B waits while A undoes it');
    // A was terminated mid-release: it never records how the release ended.
    assert.equal(abandonRelease(ledger, DENY), A);
    assert.equal(holdMustWait(ledger, { incident: B, control: DENY }), false);
    assert.deepEqual(hold(ledger, { incident: B, control: DENY }), { heldBy: [] });
    assert.equal(ledger.controls[DENY]?.madeBy?.incident, A, "Revoker's change is still on record");
    recordReleased(ledger, { incident: A, control: DENY, ok: true });
    assert.ok(ledger.controls[DENY]?.madeBy, 'a late word from the abandoned release changes nothing');
  });

  it('keeps a control two incidents hold until the last of them releases it, in either order', () => {
    for (const [first, second] of [
      [A, B],
      [B, A],
    ] as const) {
      const ledger = emptyLedger('aws/123456789012/user/alice');
      hold(ledger, { incident: A, control: DENY });
      recordOutcome(ledger, { incident: A, control: DENY, outcome: 'done', at: AT });
      assert.deepEqual(hold(ledger, { incident: B, control: DENY }), { heldBy: [A] });
      recordOutcome(ledger, { incident: B, control: DENY, outcome: 'already', at: AT });

      assert.deepEqual(releaseHold(ledger, { incident: first, control: DENY }), { verdict: 'keep', heldBy: [second] });
      const last = releaseHold(ledger, { incident: second, control: DENY });
      assert.deepEqual(last, { verdict: 'undo', madeBy: { incident: A, at: AT } }, 'whoever is last undoes A’s change');
      assert.deepEqual(releaseHold(ledger, { incident: second, control: DENY }), last, 'asked again, the same answer');
      recordReleased(ledger, { incident: second, control: DENY, ok: true });
      assert.ok(isIdle(ledger), 'nothing left in force');
    }
  });

  it('makes a new hold wait while another incident is undoing the control', () => {
    const ledger = emptyLedger('p');
    hold(ledger, { incident: A, control: DENY });
    recordOutcome(ledger, { incident: A, control: DENY, outcome: 'done', at: AT });
    assert.equal(releaseHold(ledger, { incident: A, control: DENY }).verdict, 'undo');
    assert.equal(holdMustWait(ledger, { incident: B, control: DENY }), true);
    recordReleased(ledger, { incident: A, control: DENY, ok: true });
    assert.equal(holdMustWait(ledger, { incident: B, control: DENY }), false);
  });

  it('leaves as found a control no Revoker incident made, and one whose key was deleted', () => {
    const ledger = emptyLedger('p');
    hold(ledger, { incident: A, control: DENY });
    recordOutcome(ledger, { incident: A, control: DENY, outcome: 'already', at: AT });
    assert.match(
      (releaseHold(ledger, { incident: A, control: DENY }) as { why: string }).why,
      /already so before Revoker/,
    );
    const key = 'aws:deactivate-key:AKIAALICE07EXAMPLE01';
    hold(ledger, { incident: B, control: key });
    recordOutcome(ledger, { incident: B, control: key, outcome: 'done', at: AT });
    recordGone(ledger, { incident: B, control: key, at: AT });
    assert.match((releaseHold(ledger, { incident: B, control: key }) as { why: string }).why, /deleted by/);
    assert.ok(isIdle(ledger));
  });

  it('drops the hold of a step that failed, and keeps a failed release undoable', () => {
    const ledger = emptyLedger('p');
    hold(ledger, { incident: A, control: DENY });
    recordOutcome(ledger, { incident: A, control: DENY, outcome: 'failed', at: AT });
    assert.ok(isIdle(ledger));
    hold(ledger, { incident: A, control: DENY });
    recordOutcome(ledger, { incident: A, control: DENY, outcome: 'done', at: AT });
    releaseHold(ledger, { incident: A, control: DENY });
    recordReleased(ledger, { incident: A, control: DENY, ok: false });
    assert.equal(ledger.controls[DENY]?.madeBy?.incident, A, 'still in force: the failed undo is not forgotten');
  });

  it('names one owner for every way of reaching a principal, and knows which controls are held', () => {
    const keyTarget = { accountId: '123456789012', userName: 'alice', accessKeyId: 'AKIAALICE07EXAMPLE01' };
    assert.equal(controlOwner({ kind: 'aws.deactivateAccessKey', target: keyTarget }), 'aws/123456789012/user/alice');
    assert.equal(
      controlOwner({ kind: 'aws.denyUserSessions', target: { accountId: '123456789012', userName: 'alice' } }),
      'aws/123456789012/user/alice',
    );
    const user = { tenantId: 't', userId: 'ABC', userPrincipalName: 'adele@example.com' };
    assert.equal(controlOwner({ kind: 'entra.disableUser', target: user }), 'entra/t/user/abc');
    const sp = { tenantId: 't', servicePrincipalId: 's', appId: 'APP', displayName: 'd' };
    assert.equal(controlOwner({ kind: 'entra.disableServicePrincipal', target: sp }), 'entra/t/app/app');
    const key = {
      projectId: 'p',
      email: 'e@p.iam.gserviceaccount.com',
      keyName: 'projects/p/serviceAccounts/e/keys/k',
    };
    assert.equal(
      controlOwner({ kind: 'gcp.disableKey', target: key }),
      'gcp/p/service-account/e@p.iam.gserviceaccount.com',
    );
    assert.equal(isHeldControl({ kind: 'aws.deactivateAccessKey' }), true);
    assert.equal(isHeldControl({ kind: 'aws.deleteAccessKey' }), false, 'irreversible: nothing to guard');
    assert.equal(isHeldControl({ kind: 'aws.reactivateAccessKey', reverses: 'x' }), false);
    assert.equal(
      endedControl({ kind: 'aws.deleteAccessKey', target: keyTarget }),
      'aws:deactivate-key:AKIAALICE07EXAMPLE01',
    );
  });
});
