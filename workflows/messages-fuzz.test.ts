// Property-based fuzzing of what the playbook and principal workflows do with a Signal's or an
// Update's argument before acting on it: the validators and the pure decision functions their
// handlers call. Any JSON (deep, wide, `__proto__` keys, lone surrogates) is refused or ignored with a
// reason, never thrown on, and changes no step unless it validates. test/e2e/hostile-messages.suite.ts
// sends hostile messages to running workflows.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Alert } from '../domain/alert.js';
import { DecideRequest, DecisionRequest } from '../domain/decision.js';
import {
  GoneRequestSchema,
  HoldersChangedSchema,
  HoldRequestSchema,
  RecordRequestSchema,
  ReleasedRequestSchema,
} from '../domain/ledger.js';
import { AlertPage, IntakeRequest } from '../domain/messages.js';
import { planActions } from '../domain/plan.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import type { ActionRecord } from '../domain/report.js';
import { applyDecision, applyRelease, approverOf, refusal, type DecisionContext } from './decisions.js';

const RUNS = Number(process.env.REVOKER_FUZZ_RUNS ?? 2500);
const AT = '2026-11-23T10:00:00.000Z';

const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'approver', 'actions', 'verdict', 'alerts', 'incident'),
  fc.string({ maxLength: 10 }),
);
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('all', '\ud800', 'a\udc00b', '', ' ', 'x'.repeat(2000), 'aws:delete-key:AKIAAAAAAAAAAAAAAAA1'),
);
const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** A decision-shaped payload with each field sometimes wrong: the path past the schema. */
const decisionLike = fc.record(
  {
    approver: fc.oneof(fc.constantFrom('sam', 'kim', ' sam ', 'SAM'), json),
    actions: fc.oneof(fc.constant('all'), fc.array(text, { maxLength: 4 }), json),
    reason: fc.oneof(text, json),
    verdict: fc.oneof(fc.constantFrom('approve', 'reject', 'release'), json),
    link: fc.oneof(text, json),
    verifiedBy: fc.oneof(fc.constantFrom('link', 'identity-token'), json),
  },
  { requiredKeys: [] },
);
/** Wide and deep shapes, as JSON.parse builds them (`__proto__` an own key). */
const shaped = fc.oneof(
  fc.integer({ min: 1, max: 3000 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown),
  fc
    .integer({ min: 1, max: 5000 })
    .map(
      (n) =>
        JSON.parse(
          `{"approver":"sam","actions":"all",${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')}}`,
        ) as unknown,
    ),
  json.map(
    (value) =>
      JSON.parse(`{"__proto__":${JSON.stringify(value) ?? 'null'},"approver":"sam","actions":"all"}`) as unknown,
  ),
);
const payload = fc.oneof({ weight: 3, arbitrary: decisionLike }, { weight: 2, arbitrary: json }, shaped);

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

const context = (): DecisionContext => ({
  workflowId: 'contain/p.fuzz',
  decisions: [],
  policy: DEFAULT_POLICY,
  severity: 'high',
  releaseOpen: true,
});

describe('fuzzing the workflows\u2019 Signals and Updates', () => {
  it(`every message schema refuses, never throws on, any argument (${RUNS} runs)`, () => {
    const schemas = {
      Alert,
      IntakeRequest,
      AlertPage,
      DecisionRequest,
      DecideRequest,
      HoldRequestSchema,
      RecordRequestSchema,
      GoneRequestSchema,
      ReleasedRequestSchema,
      HoldersChangedSchema,
    };
    fc.assert(
      fc.property(fc.oneof(payload, fc.record({ alerts: fc.array(json, { maxLength: 3 }) })), (value) => {
        for (const [name, schema] of Object.entries(schemas)) {
          const result = schema.safeParse(value);
          if (!result.success) assert.ok(result.error.issues.length > 0, `${name} refuses with a reason`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`the decide Update's validator and the approve, reject and release Signals never throw, and change nothing unless valid (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(payload, fc.constantFrom<'approve' | 'reject'>('approve', 'reject'), (value, verdict) => {
        const plan = records();
        const before = JSON.stringify(plan);
        const why = refusal(plan, context(), value);
        if (why === undefined) assert.ok(DecideRequest.safeParse(value).success, 'only a valid decide is accepted');
        else assert.equal(typeof why, 'string');
        assert.equal(JSON.stringify(plan), before, 'the validator changes nothing');

        const decision = applyDecision(plan, DEFAULT_POLICY, verdict, value, AT);
        const valid = DecisionRequest.safeParse(value).success;
        if (!valid) {
          assert.ok(decision.ignored, 'an invalid Signal is ignored with a reason');
          assert.deepEqual(decision.actions, []);
          assert.equal(JSON.stringify(plan), before, 'an invalid Signal changes no step');
        }
        assert.ok(decision.approver.length <= 128);

        const release = applyRelease(records(), context(), value, AT);
        if (!valid) assert.deepEqual(release.reversals, [], 'an invalid release undoes nothing');
        assert.equal(typeof approverOf(value), 'string');
      }),
      { numRuns: RUNS },
    );
  });
});
