// `npm run test:reliability`: 50 three-cloud incidents (REVOKER_FAULT_PLAYBOOKS), 5 at a time
// (REVOKER_FAULT_CONCURRENCY), on the real dev server and workers, with every simulator in the probabilistic mode:
// 30 % of all calls (REVOKER_FAULT_RATE), reads and writes, fail transiently (429 with Retry-After, 5xx, latency,
// lost writes, lost replies; seed REVOKER_FAULT_SEED) while changes propagate after 150 ms. Every incident must end
// Contained, every step done or already, and no cloud change be made twice.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { containUnderFaults, FAULT_PROPAGATION_MS } from '../e2e/fault-runs.js';
import { playbookTracker } from '../e2e/helpers.js';
import { harness } from '../harness.js';
import { recordFigure } from './figures.js';

const PLAYBOOKS = Number(process.env.REVOKER_FAULT_PLAYBOOKS ?? 50);
const CONCURRENCY = Number(process.env.REVOKER_FAULT_CONCURRENCY ?? 5);
const RATE = Number(process.env.REVOKER_FAULT_RATE ?? 0.3);
const SEED = Number(process.env.REVOKER_FAULT_SEED ?? 12);

const h = await harness();
const playbooks = playbookTracker(() => h);

after(async () => {
  await playbooks.cleanup();
  await h.close();
});

it(`contains ${PLAYBOOKS} three-cloud incidents under ${RATE * 100} % transient faults, each change once`, async () => {
  const batch = await containUnderFaults(h, playbooks, {
    count: PLAYBOOKS,
    concurrency: CONCURRENCY,
    modes: { propagationMs: FAULT_PROPAGATION_MS, random: { rate: RATE, seed: SEED, latencyMs: 200 } },
  });
  const sorted = [...batch.durationsMs].sort((a, b) => a - b);
  const p95 = sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
  const injected = Object.entries(batch.drawn)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  // A 5xx that reached a report: a step that ended on ProviderUnavailable or Throttled after all its retries.
  const surfaced = batch.reports
    .flatMap((r) => r.actions)
    .filter((a) => a.error?.type === 'ProviderUnavailableError' || a.error?.type === 'ThrottledError').length;
  recordFigure({
    scenario: `${RATE * 100} % transient faults, three clouds`,
    runs: PLAYBOOKS,
    lost: batch.lost.length + batch.reports.filter((r) => r.state !== 'Contained').length,
    duplicated: batch.duplicated.length,
    fiveXx: surfaced,
    note: `injected: ${injected}; p95 ${(p95 / 1000).toFixed(1)} s a playbook, ${(batch.ms / 1000).toFixed(0)} s in all`,
  });
  assert.deepEqual(batch.lost, [], 'every incident reported');
  assert.deepEqual(batch.failed, [], 'every step done or already');
  assert.equal(batch.reports.filter((r) => r.state === 'Contained').length, PLAYBOOKS);
  assert.deepEqual(batch.duplicated, [], 'no cloud change made twice');
  assert.ok(batch.fiveXx > 0, 'faults were injected');
});
