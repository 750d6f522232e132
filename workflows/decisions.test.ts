import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519';
import { planActions } from '../domain/plan.js';
import { sealedText, type DecideRequest, type Decision } from '../domain/decision.js';
import { DEFAULT_POLICY, type Policy } from '../domain/policy.js';
import type { ActionRecord } from '../domain/report.js';
import { applyDecision, applyRelease, refusal, type DecisionContext } from './decisions.js';

function records(): ActionRecord[] {
  const actions = planActions({
    severity: 'high',
    policy: DEFAULT_POLICY,
    discoveries: [
      {
        principal: 'p',
        discovery: {
          type: 'aws.user',
          accountId: '123456789012',
          userName: 'alice',
          accessKeys: [{ accessKeyId: 'AKIAAAAAAAAAAAAAAAA1', status: 'Active' }],
        },
      },
    ],
  });
  return actions.map((action) => ({ action, status: action.mode === 'approval' ? 'awaiting-approval' : 'done' }));
}
const AT = '2026-11-23T10:00:00.000Z';
const WORKFLOW_ID = 'contain/p.test';
/** Seals as Revoker's server does (connect/decision-seal.ts, which test/decision-seal.test.ts checks against this code). */
function sealerOf(privateKey = ed25519.utils.randomPrivateKey()) {
  return {
    publicKey: `ed25519:${Buffer.from(ed25519.getPublicKey(privateKey)).toString('hex')}`,
    seal: (workflowId: string, request: DecideRequest): DecideRequest => ({
      ...request,
      seal: Buffer.from(ed25519.sign(new TextEncoder().encode(sealedText(workflowId, request)), privateKey)).toString(
        'hex',
      ),
    }),
  };
}
const sealer = sealerOf();

function context(rules: Partial<Policy>, decisions: Decision[] = []): DecisionContext {
  return {
    workflowId: WORKFLOW_ID,
    decisions,
    policy: { ...DEFAULT_POLICY, ...rules },
    severity: 'high',
    releaseOpen: true,
  };
}
const OPEN = DEFAULT_POLICY;
const DELETE = 'aws:delete-key:AKIAAAAAAAAAAAAAAAA1';

describe('applyDecision', () => {
  it('approves every waiting action for "all" and records who, when and why', () => {
    const plan = records();
    const decision = applyDecision(plan, OPEN, 'approve', { approver: 'sam', actions: 'all', reason: 'confirmed' }, AT);
    assert.deepEqual(decision, { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT, reason: 'confirmed' });
    assert.deepEqual(plan.find((r) => r.action.id === DELETE)?.decidedBy, {
      approver: 'sam',
      at: AT,
      reason: 'confirmed',
    });
  });

  it('rejects so the action is final at once', () => {
    const plan = records();
    applyDecision(plan, OPEN, 'reject', { approver: 'sam', actions: [DELETE] }, AT);
    assert.equal(plan.find((r) => r.action.id === DELETE)?.status, 'rejected');
  });

  it('lets the first decision stand', () => {
    const plan = records();
    applyDecision(plan, OPEN, 'reject', { approver: 'sam', actions: [DELETE] }, AT);
    const second = applyDecision(plan, OPEN, 'approve', { approver: 'kim', actions: [DELETE] }, AT);
    assert.deepEqual(second.actions, []);
    assert.match(second.ignored ?? '', /not awaiting a decision: aws:delete-key/);
    assert.equal(plan.find((r) => r.action.id === DELETE)?.status, 'rejected');
  });

  it('ignores unknown ids, bad payloads and decisions before the plan, saying why', () => {
    assert.match(
      applyDecision(records(), OPEN, 'approve', { approver: 'sam', actions: ['nope'] }, AT).ignored ?? '',
      /unknown action ids: nope/,
    );
    const bad = applyDecision(records(), OPEN, 'approve', { actions: 'everything' }, AT);
    assert.match(bad.ignored ?? '', /invalid payload \(approver: .*; actions: actions is "all" or a list/);
    assert.equal(bad.approver, 'unknown');
    assert.match(
      applyDecision([], OPEN, 'approve', { approver: 'sam', actions: 'all' }, AT).ignored ?? '',
      /plan is not ready/,
    );
  });

  it('applies the known part of a mixed request and notes the rest', () => {
    const decision = applyDecision(records(), OPEN, 'approve', { approver: 'sam', actions: [DELETE, 'nope'] }, AT);
    assert.deepEqual(decision.actions, [DELETE]);
    assert.equal(decision.ignored, undefined);
    assert.match(decision.note ?? '', /unknown action ids: nope/);
  });
});

describe('refusal (the decide Update validator)', () => {
  it('accepts a request that can be applied whole', () => {
    assert.equal(
      refusal(records(), context(OPEN), { verdict: 'approve', approver: 'sam', actions: [DELETE] }),
      undefined,
    );
    assert.equal(refusal(records(), context(OPEN), { verdict: 'reject', approver: 'sam', actions: 'all' }), undefined);
  });

  it('refuses unknown or settled ids instead of applying part of the request', () => {
    assert.equal(
      refusal(records(), context(OPEN), { verdict: 'approve', approver: 'sam', actions: [DELETE, 'nope'] }),
      'unknown action ids: nope',
    );
    const plan = records();
    applyDecision(plan, OPEN, 'reject', { approver: 'kim', actions: 'all' }, AT);
    assert.equal(
      refusal(plan, context(OPEN), { verdict: 'approve', approver: 'sam', actions: [DELETE] }),
      `not awaiting a decision: ${DELETE}`,
    );
    assert.equal(
      refusal(plan, context(OPEN), { verdict: 'approve', approver: 'sam', actions: 'all' }),
      'no action is awaiting a decision',
    );
  });

  it('refuses a malformed request, naming the field, and a request before the plan', () => {
    assert.match(
      refusal(records(), context(OPEN), { verdict: 'maybe', approver: 'sam', actions: 'all' }) ?? '',
      /^verdict: /,
    );
    assert.equal(
      refusal([], context(OPEN), { verdict: 'approve', approver: 'sam', actions: 'all' }),
      'the plan is not ready yet: query status and try again',
    );
  });
});

describe('approver groups and four eyes', () => {
  const STRICT = {
    approvers: {
      groups: { soc: ['sam@example.com', 'kim@example.com'], leads: ['lee@example.com'] },
      default: ['soc'],
      byAction: { 'aws.deleteAccessKey': ['soc', 'leads'] },
    },
    fourEyes: 2,
  };

  it('refuses an approver outside the groups, naming the groups', () => {
    assert.equal(
      refusal(records(), context(STRICT), { verdict: 'approve', approver: 'eve@example.com', actions: [DELETE] }),
      'eve@example.com is not an approver for aws.deleteAccessKey (groups: soc, leads)',
    );
    const decision = applyDecision(records(), STRICT, 'approve', { approver: 'eve@example.com', actions: 'all' }, AT);
    assert.match(decision.ignored ?? '', /not an approver/);
  });

  it('releases a destructive step only with two distinct approvers, and refuses a self-approval', () => {
    const plan = records();
    const first = applyDecision(plan, STRICT, 'approve', { approver: 'sam@example.com', actions: [DELETE] }, AT);
    assert.deepEqual(first.actions, [DELETE]);
    const record = plan.find((r) => r.action.id === DELETE);
    assert.equal(record?.decidedBy, undefined, 'one approval is not enough');
    assert.equal(
      refusal(plan, context(STRICT), { verdict: 'approve', approver: 'SAM@example.com', actions: [DELETE] }),
      `SAM@example.com already approved ${DELETE}: four eyes needs another approver`,
    );
    applyDecision(plan, STRICT, 'approve', { approver: 'lee@example.com', actions: [DELETE] }, AT);
    assert.equal(plan.find((r) => r.action.id === DELETE)?.decidedBy?.approver, 'sam@example.com + lee@example.com');
  });

  it('lets a single authorised approver reject a step at once', () => {
    const plan = records();
    applyDecision(plan, STRICT, 'reject', { approver: 'kim@example.com', actions: [DELETE] }, AT);
    assert.equal(plan.find((r) => r.action.id === DELETE)?.status, 'rejected');
  });
});

describe('one person counts once for four eyes', () => {
  const ALIASED = {
    approvers: {
      groups: { soc: ['sam@example.com', 'kim@example.com', 'samuel@corp.example'] },
      default: ['soc'],
      byAction: {},
      aliases: { 'sam@example.com': ['samuel@corp.example', 'ssmith'] },
    },
    fourEyes: 2,
  };

  it('refuses a second approval by an alias or a different case of the first approver', () => {
    const plan = records();
    applyDecision(plan, ALIASED, 'approve', { approver: 'Sam@Example.com', actions: [DELETE] }, AT);
    for (const approver of ['samuel@corp.example', 'SSMITH', 'sam@example.com']) {
      assert.equal(
        refusal(plan, context(ALIASED), { verdict: 'approve', approver, actions: [DELETE] }),
        `${approver} already approved ${DELETE}: four eyes needs another approver`,
      );
      const signal = applyDecision(plan, ALIASED, 'approve', { approver, actions: [DELETE] }, AT);
      assert.match(signal.ignored ?? '', /four eyes needs another approver/);
    }
    assert.equal(plan.find((r) => r.action.id === DELETE)?.decidedBy, undefined, 'still one person');
    applyDecision(plan, ALIASED, 'approve', { approver: 'kim@example.com', actions: [DELETE] }, AT);
    assert.equal(plan.find((r) => r.action.id === DELETE)?.decidedBy?.approver, 'Sam@Example.com + kim@example.com');
  });

  it('counts an alias of a group member as that member', () => {
    assert.equal(
      refusal(records(), context(ALIASED), { verdict: 'approve', approver: 'ssmith', actions: [DELETE] }),
      undefined,
    );
  });
});

describe('trustedIdentities', () => {
  const request = { verdict: 'approve', approver: 'sam@example.com', actions: [DELETE] };

  it('takes the named approver when the policy trusts the Temporal namespace (the default)', () => {
    assert.equal(refusal(records(), context({}), request), undefined);
    assert.equal(refusal(records(), context({ trustedIdentities: 'temporal-namespace' }), request), undefined);
  });

  it('under oidc refuses a decision whose approver Revoker did not verify, and takes a verified one', () => {
    const oidc = context({ trustedIdentities: 'oidc', verifierKeys: [sealer.publicKey] });
    const sealed = (verified: DecideRequest) => sealer.seal(WORKFLOW_ID, verified);
    assert.match(
      refusal(records(), oidc, request) ?? '',
      /trustedIdentities: oidc.*one-click link.*REVOKER_IDENTITY_TOKEN/,
    );
    assert.match(refusal(records(), oidc, { ...request, verdict: 'release', actions: 'all' }) ?? '', /oidc/);
    assert.equal(refusal(records(), oidc, sealed({ ...request, verdict: 'approve', verifiedBy: 'link' })), undefined);
    assert.equal(
      refusal(records(), oidc, sealed({ ...request, verdict: 'approve', verifiedBy: 'identity-token' })),
      undefined,
    );
    assert.match(refusal(records(), oidc, { ...request, verifiedBy: 'me, honestly' }) ?? '', /verifiedBy/);
  });

  it('refuses a verifiedBy that Revoker did not seal: written by hand, sealed by another key, or for other steps', () => {
    const forged = { ...request, verifiedBy: 'link' };
    const sealedElsewhere = sealerOf().seal(WORKFLOW_ID, {
      ...request,
      verdict: 'approve',
      verifiedBy: 'link',
    });
    const mine = sealer.seal(WORKFLOW_ID, { ...request, verdict: 'approve', verifiedBy: 'link' });
    for (const trustedIdentities of ['oidc', 'temporal-namespace'] as const) {
      const keyed = context({ trustedIdentities, verifierKeys: [sealer.publicKey] });
      assert.match(refusal(records(), keyed, forged) ?? '', /verifiedBy link without a valid seal/, trustedIdentities);
      assert.match(refusal(records(), keyed, sealedElsewhere) ?? '', /without a valid seal/);
      assert.match(refusal(records(), keyed, { ...mine, approver: 'kim@example.com' }) ?? '', /without a valid seal/);
    }
    assert.match(
      refusal(records(), context({ trustedIdentities: 'oidc' }), mine) ?? '',
      /lists no verifierKeys.*REVOKER_DECISION_KEY_FILE/,
    );
    // The namespace's word, with no key to check against: as before seals existed.
    assert.equal(refusal(records(), context({}), forged), undefined);
  });
});

describe('one-click links', () => {
  it('refuses a link that was already used, saying by whom and when', () => {
    const used: Decision = { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT, link: 'link-1' };
    const request = { verdict: 'approve', approver: 'sam', actions: [DELETE], link: 'link-1' };
    assert.equal(
      refusal(records(), context(OPEN, [used]), request),
      `this link was already used (approve by sam at ${AT})`,
    );
    assert.equal(refusal(records(), context(OPEN, [{ ...used, ignored: 'x' }]), request), undefined);
    assert.equal(refusal(records(), context(OPEN, [used]), { ...request, link: 'link-2' }), undefined);
  });
});

describe('release', () => {
  const DEACTIVATE = 'aws:deactivate-key:AKIAAAAAAAAAAAAAAAA1';
  const DENY = 'aws:deny-user-sessions:123456789012/alice';

  it('undoes the reversible steps that took effect and calls off the waiting ones', () => {
    const plan = records();
    const { decision, reversals } = applyRelease(plan, context(OPEN), { approver: 'sam', actions: 'all' }, AT);
    assert.deepEqual(
      reversals.map((r) => [r.action.id, r.action.reverses, r.status]),
      [
        ['aws:reactivate-key:AKIAAAAAAAAAAAAAAAA1', DEACTIVATE, 'planned'],
        ['aws:remove-user-deny:123456789012/alice', DENY, 'planned'],
      ],
    );
    assert.equal(plan.find((r) => r.action.id === DELETE)?.status, 'rejected');
    assert.deepEqual(decision.actions, [DELETE, ...reversals.map((r) => r.action.id)]);
    assert.equal(decision.ignored, undefined);
  });

  it('is gated by policy: "approval" makes a release step wait for someone other than its requester', () => {
    const policy = { actions: { ...DEFAULT_POLICY.actions, 'aws.reactivateAccessKey': 'approval' as const } };
    const plan = records();
    const { reversals } = applyRelease(plan, context(policy), { approver: 'sam', actions: [DEACTIVATE] }, AT);
    assert.equal(reversals[0]?.status, 'awaiting-approval');
    plan.push(...reversals);
    const id = reversals[0]?.action.id ?? '';
    assert.match(
      refusal(plan, context(policy), { verdict: 'approve', approver: 'SAM', actions: [id] }) ?? '',
      /asked for the release .*another approver must approve it/,
    );
    assert.equal(refusal(plan, context(policy), { verdict: 'approve', approver: 'kim', actions: [id] }), undefined);
  });

  it('refuses irreversible, unchanged, unknown and already released steps, and a closed window', () => {
    const plan = records();
    const deny = plan.find((r) => r.action.id === DENY);
    if (deny) deny.status = 'already';
    const refused = (actions: string[], ctx = context(OPEN)) =>
      refusal(plan, ctx, { verdict: 'release', approver: 'sam', actions }) ?? '';
    assert.match(refused([DENY]), /changed nothing/);
    assert.match(refused(['nope']), /unknown action ids: nope/);
    assert.match(refused([DEACTIVATE], { ...context(OPEN), releaseOpen: false }), /release window has closed/);
    plan.push(...applyRelease(plan, context(OPEN), { approver: 'sam', actions: [DEACTIVATE] }, AT).reversals);
    assert.match(refused([DEACTIVATE]), /already being released/);
    assert.match(
      refusal(plan, context(OPEN), { verdict: 'release', approver: 'sam', actions: 'all' }) ?? '',
      /nothing to release/,
    );
    const deletion = plan.find((r) => r.action.id === DELETE);
    if (deletion) deletion.status = 'done';
    assert.match(refused([DELETE]), /cannot be undone: aws.deleteAccessKey is irreversible/);
  });

  it('never brings back a deleted key, and needs an approver of the release kinds', () => {
    const plan = records();
    const deletion = plan.find((r) => r.action.id === DELETE);
    if (deletion) deletion.status = 'done';
    assert.match(
      refusal(plan, context(OPEN), { verdict: 'release', approver: 'sam', actions: [DEACTIVATE] }) ?? '',
      /deleted by aws:delete-key/,
    );
    const strict = { approvers: { groups: { soc: ['sam'] }, default: ['soc'], byAction: {} } };
    assert.match(
      refusal(plan, context(strict), { verdict: 'release', approver: 'eve', actions: [DENY] }) ?? '',
      /eve is not an approver for aws.removeUserDeny/,
    );
    const { decision } = applyRelease(plan, context(strict), { approver: 'eve', actions: 'all' }, AT);
    assert.match(decision.ignored ?? '', /not an approver/);
  });
});
