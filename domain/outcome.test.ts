import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Action } from './action.js';
import { finalState, stateLabel, summarize } from './outcome.js';
import type { ActionRecord, PrincipalRecord } from './report.js';

const record = (status: ActionRecord['status']): ActionRecord => ({ action: { id: status } as Action, status });
const principal = (status: PrincipalRecord['status']): PrincipalRecord => ({
  key: 'k',
  label: 'IAM user alice',
  status,
});

describe('finalState', () => {
  it('is Contained when every step that ran succeeded', () => {
    assert.equal(
      finalState({
        actions: [record('done'), record('already'), record('rejected')],
        principals: [principal('examined')],
      }),
      'Contained',
    );
  });
  it('is PartiallyContained when some steps failed', () => {
    assert.equal(finalState({ actions: [record('done'), record('failed')], principals: [] }), 'PartiallyContained');
    assert.equal(finalState({ actions: [record('done')], principals: [principal('failed')] }), 'PartiallyContained');
  });
  it('is NotContained when nothing succeeded and something was refused or failed', () => {
    assert.equal(finalState({ actions: [record('rejected')], principals: [] }), 'NotContained');
    assert.equal(finalState({ actions: [], principals: [principal('failed')] }), 'NotContained');
  });
  it('is NothingToDo with an empty plan', () => {
    assert.equal(finalState({ actions: [], principals: [principal('examined')] }), 'NothingToDo');
  });
});

describe('summarize', () => {
  it('counts results and names principals that could not be examined', () => {
    const text = summarize({
      state: 'PartiallyContained',
      actions: [record('done'), record('done'), record('failed')],
      principals: [principal('failed')],
    });
    assert.equal(
      text,
      'PartiallyContained: IAM user alice — 3 actions (2 done, 1 failed); could not examine IAM user alice.',
    );
  });
});

describe('stateLabel', () => {
  const earlier: PrincipalRecord = {
    ...principal('contained'),
    containedBy: { incident: 'contain/x', handle: 'INC-7F3K2Q', action: 'a', description: 'd', at: 't' },
  };
  it('reads Contained (already) when the key was deleted by an earlier incident', () => {
    const status = { actions: [], principals: [earlier] };
    const state = finalState(status);
    assert.equal(state, 'Contained');
    assert.equal(stateLabel({ ...status, state }), 'Contained (already)');
    assert.match(
      summarize({ ...status, state }),
      /^Contained \(already\): .* was deleted already by INC-7F3K2Q at t\.$/,
    );
  });
  it('reads Contained (already) when every step found its target so, and Contained when one changed it', () => {
    assert.equal(
      stateLabel({ state: 'Contained', actions: [record('already')], principals: [] }),
      'Contained (already)',
    );
    assert.equal(
      stateLabel({ state: 'Contained', actions: [record('already'), record('done')], principals: [] }),
      'Contained',
    );
    assert.equal(stateLabel({ state: 'NotContained', actions: [record('already')], principals: [] }), 'NotContained');
  });
});
