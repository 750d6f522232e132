import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Action } from './action.js';
import { finalState, summarize } from './outcome.js';
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
