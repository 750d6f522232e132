// Against a real dev server whose namespace has only what an older Revoker registered: the rest is added, with types.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RevokerState, SEARCH_ATTRIBUTES } from '../domain/search-attributes.js';
import { ensureTemporalCli } from '../scripts/ensure-temporal-cli.mjs';
import { registerSearchAttributes } from './search-attributes.js';

describe('registering the search attributes on a kept state', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: ensureTemporalCli() }, searchAttributes: [RevokerState] },
    });
  });
  after(() => env.teardown());

  it('adds the missing ones with their types, then finds nothing to add', async () => {
    const added = await registerSearchAttributes(env.connection, 'default');
    assert.deepEqual(
      added.sort(),
      SEARCH_ATTRIBUTES.map((key) => key.name)
        .filter((name) => name !== RevokerState.name)
        .sort(),
    );
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of SEARCH_ATTRIBUTES) {
      const type = customAttributes?.[key.name];
      assert.equal(type, key.type === 'KEYWORD' ? 2 : 7, `${key.name} is a ${key.type}`);
    }
    assert.deepEqual(await registerSearchAttributes(env.connection, 'default'), []);
  });
});
