import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ACTION_KINDS, actionOf, isReleaseKind, type Action, type ActionKind, type EntraUserTarget } from './action.js';
import type { AwsUserDiscovery, EntraUserDiscovery } from './discovery.js';
import { planActions } from './plan.js';
import { DEFAULT_POLICY } from './policy.js';
import type { ActionRecord, PrincipalRecord } from './report.js';
import { residualRisks } from './residual.js';

const alice: AwsUserDiscovery = {
  type: 'aws.user',
  accountId: '123456789012',
  userName: 'alice',
  accessKeys: [{ accessKeyId: 'AKIAAAAAAAAAAAAAAAA1', status: 'Active' }],
  focusAccessKeyId: 'AKIAAAAAAAAAAAAAAAA1',
};
const bob: EntraUserDiscovery = {
  type: 'entra.user',
  tenantId: '11111111-1111-1111-1111-111111111111',
  userId: '22222222-2222-2222-2222-222222222222',
  userPrincipalName: 'bob@contoso.example',
  accountEnabled: true,
};
const examined: PrincipalRecord = { key: 'p', label: 'IAM user alice', status: 'examined' };
const CUT = '2026-12-07T05:44:01.000Z';
const SOON = '2026-12-07T05:50:00.000Z';

function plan(discovery: AwsUserDiscovery | EntraUserDiscovery): Action[] {
  return planActions({ severity: 'medium', policy: DEFAULT_POLICY, discoveries: [{ principal: 'p', discovery }] });
}
function ran(action: Action, status: ActionRecord['status'] = 'done', at = CUT): ActionRecord {
  return { action, status, startedAt: at, finishedAt: at };
}
function byKind(actions: Action[], kind: ActionKind): Action {
  const found = actions.find((a) => a.kind === kind);
  assert.ok(found, `the plan has a ${kind} step`);
  return found;
}

describe('residualRisks', () => {
  it('says until when the tokens issued before the cut-off stay valid', () => {
    const actions = plan(bob);
    const risks = residualRisks(
      { actions: [ran(byKind(actions, 'entra.revokeUserSessions'))], principals: [examined] },
      SOON,
    );
    assert.ok(
      risks.some(
        (r) => r.risk === "The user's access tokens issued before 05:44:01 UTC stay valid until about 07:14 UTC.",
      ),
      JSON.stringify(risks),
    );
  });

  it('states what lingers once, from the earliest cut-off, when two steps cut the same tokens', () => {
    const actions = plan(bob);
    const risks = residualRisks(
      {
        actions: [
          ran(byKind(actions, 'entra.disableUser'), 'done', '2026-12-07T05:40:00.000Z'),
          ran(byKind(actions, 'entra.revokeUserSessions')),
        ],
        principals: [examined],
      },
      SOON,
    );
    const lingering = risks.filter((r) => / issued before /.test(r.risk));
    // Revoking sessions lingers its own phrase (CAE); disabling the user cut "access tokens issued to the user" at 05:40.
    assert.ok(
      lingering.some((r) => r.risk.includes('before 05:40:00 UTC')),
      JSON.stringify(risks),
    );
  });

  it('gives no advice the playbook already followed: a session deny ends what lingers after a key is cut', () => {
    const actions = plan({ ...alice, focusAccessKeyId: undefined });
    const deactivate = byKind(actions, 'aws.deactivateAccessKey');
    const alone = residualRisks({ actions: [ran(deactivate)], principals: [examined] }, SOON);
    assert.ok(
      alone.some((r) =>
        /Temporary credentials from the key .* issued before 05:44:01 UTC stay valid until about 17:44 UTC/.test(
          r.risk,
        ),
      ),
    );
    assert.ok(alone.some((r) => /turn it on again/.test(r.risk)));
    const denied = residualRisks(
      { actions: [ran(deactivate), ran(byKind(actions, 'aws.denyUserSessions'))], principals: [examined] },
      SOON,
    );
    const text = denied.map((r) => r.risk).join(' ');
    assert.doesNotMatch(text, /Temporary credentials|unless a session deny|turn it on again/);
    assert.match(text, /contain those roles too/);
  });

  it('counts no risk for a deleted key beyond what its deactivation left lingering', () => {
    const actions = plan(alice);
    const records = [ran(byKind(actions, 'aws.deactivateAccessKey')), ran(byKind(actions, 'aws.deleteAccessKey'))];
    const risks = residualRisks({ actions: records, principals: [examined] }, SOON);
    assert.doesNotMatch(risks.map((r) => r.risk).join(' '), /None for this key|turn it on again/);
    assert.equal(risks.filter((r) => /Temporary credentials/.test(r.risk)).length, 1);
  });

  it('drops what lingered once it has expired', () => {
    const actions = plan(bob);
    const risks = residualRisks(
      { actions: [ran(byKind(actions, 'entra.disableUser'))], principals: [examined] },
      '2026-12-07T08:00:00.000Z',
    );
    assert.deepEqual(risks, []);
  });

  it('names what was planned and did not take effect, and who refused it', () => {
    const actions = plan(alice);
    const rejected: ActionRecord = {
      action: byKind(actions, 'aws.deleteAccessKey'),
      status: 'rejected',
      decidedBy: { approver: 'carol@example.com', at: CUT },
    };
    const risks = residualRisks(
      {
        actions: [ran(byKind(actions, 'aws.deactivateAccessKey')), rejected],
        principals: [examined, { key: 'q', label: 'IAM user dave', status: 'failed' }],
      },
      SOON,
    );
    const text = risks.map((r) => r.risk).join('\n');
    assert.match(text, /^Not done \(rejected by carol@example.com\): Delete access key/m);
    assert.match(text, /IAM user dave could not be examined/);
    assert.match(text, /turn it on again/, 'the key stays, deactivated');
  });

  it('leaves out a step a release undid, and says what the release brought back', () => {
    const actions = plan(bob);
    const disable = byKind(actions, 'entra.disableUser');
    const enable = actionOf(
      { kind: 'entra.enableUser', target: disable.target as EntraUserTarget },
      { principal: 'p', mode: 'approval', reason: 'a false positive', dependsOn: [], reverses: disable.id },
    );
    const risks = residualRisks({ actions: [ran(disable), ran(enable)], principals: [examined] }, SOON);
    assert.deepEqual(risks, [
      { action: enable.id, risk: 'The user can sign in again; revoked sessions stay revoked.' },
    ]);
  });

  it('every containment kind says what it leaves behind; no release kind does', () => {
    for (const [kind, entry] of Object.entries(ACTION_KINDS) as [ActionKind, { afterwards?: unknown }][]) {
      if (isReleaseKind(kind)) assert.equal(entry.afterwards, undefined, kind);
      else assert.ok(entry.afterwards, `${kind} says what stays possible after it`);
    }
  });

  it('never throws and never repeats a risk, whatever the steps ended as', () => {
    const actions = [...plan(alice), ...plan(bob)];
    const statuses: ActionRecord['status'][] = [
      'planned',
      'awaiting-approval',
      'running',
      'done',
      'already',
      'failed',
      'skipped',
      'rejected',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...statuses), { minLength: actions.length, maxLength: actions.length }),
        fc.integer({ min: 0, max: 48 * 3600_000 }),
        (ended, later) => {
          const records = actions.map((action, i) => ran(action, ended[i]));
          const risks = residualRisks(
            { actions: records, principals: [examined] },
            new Date(Date.parse(CUT) + later).toISOString(),
          );
          const lines = risks.map((r) => `${r.action} ${r.risk}`);
          assert.equal(new Set(lines).size, lines.length);
        },
      ),
    );
  });
});
