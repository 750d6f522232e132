// Replay safety: every recorded history in test/histories/ replays against the current workflow
// code, so a change that would break playbooks already running (a non-deterministic change) fails
// here. No server: the SDK's replay worker feeds the recorded events to the workflow sandbox.
// Re-record only on purpose: see test/histories/README.md.
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPayloadKeys, revokerDataConverter } from '../connect/payload-codec.js';
import { bundlePlaybookWorkflows } from '../testing/workflow-bundle.js';
import { workflowSpanSinks } from '../worker/telemetry.js';
import { HISTORY_PAYLOAD_KEYS_FILE, historyFromJSON } from './history-json.js';

const HISTORIES = fileURLToPath(new URL('./histories/', import.meta.url));
// The replay workers' state changes are noise here; a failed replay comes back as its result.
Runtime.install({ logger: new DefaultLogger('WARN') });

const files = readdirSync(HISTORIES)
  .filter((file) => file.endsWith('.json'))
  .sort();

describe('recorded workflow histories', () => {
  /** Each scenario's replay outcome: undefined when it replayed, the SDK's error when it did not. */
  const outcomes = new Map<string, Error | undefined>();
  before(async () => {
    const workflowBundle = await bundlePlaybookWorkflows();
    // One replay worker for all: histories hold no workflow id, and the playbook only reports its own.
    const histories = files.map((file) => {
      try {
        return {
          workflowId: basename(file, '.json'),
          history: historyFromJSON(JSON.parse(readFileSync(HISTORIES + file, 'utf8'))),
        };
      } catch (error) {
        throw new Error(`test/histories/${file} is not a workflow history: ${String(error)}`, { cause: error });
      }
    });
    const dataConverter = revokerDataConverter(
      loadPayloadKeys({ REVOKER_PAYLOAD_KEYS_FILE: HISTORY_PAYLOAD_KEYS_FILE }),
    );
    for await (const result of Worker.runReplayHistories(
      { workflowBundle, dataConverter, sinks: workflowSpanSinks() },
      histories,
    )) {
      outcomes.set(result.workflowId, result.error);
    }
  });

  it('are there to replay', () => {
    assert.ok(files.length > 0, `no histories in ${HISTORIES}: run npm run record-histories`);
  });

  for (const file of files) {
    const scenario = basename(file, '.json');
    it(`replay "${scenario}" against the current workflow code`, () => {
      assert.ok(outcomes.has(scenario), `"${scenario}" was not replayed`);
      const error = outcomes.get(scenario);
      if (error) {
        throw new Error(
          `The current workflow code cannot replay the recorded "${scenario}" history (test/histories/${file}), ` +
            `so playbooks already running would fail the same way. ${error.name}: ${error.message}\n` +
            'Guard the change with patched() (see test/histories/README.md) instead of re-recording.',
          { cause: error },
        );
      }
    });
  }
});
