// `revoker doctor` when a cloud's queue has no worker: that cloud is reported unanswered with what to start, the
// others are checked, and the exit code is 1. A stack of its own, whose workers leave the gcp queue unpolled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectDoctorGateway } from '../client/cli/doctor.js';
import { PROGRAM, runCli } from '../client/cli/program.js';
import { connectGateway } from '../client/cli/temporal-gateway.js';
import { loadSeeds } from '../testing/inputs.js';
import { startStack, type Stack } from '../testing/stack.js';

describe('revoker doctor with a cloud nobody serves', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack(loadSeeds(), { queues: ['playbooks', 'aws', 'entra', 'notify'] });
  });
  after(() => stack.close());

  it('reports the unpolled queue, still checks the others, and exits 1', async () => {
    const stdout: string[] = [];
    process.env.TEMPORAL_ADDRESS = stack.env.address;
    const code = await runCli(['doctor', '--wait', '2'], {
      connect: () => connectGateway(PROGRAM),
      connectDoctor: () => connectDoctorGateway(PROGRAM),
      stdout: (text) => stdout.push(text),
      stderr: (text) => stdout.push(text),
      env: {},
    });
    const out = stdout.join('');
    assert.equal(code, 1, out);
    assert.match(out, /^aws +123456789012 +ok /m);
    assert.match(out, /^gcp: no worker took the check from revoker-gcp within 2s: start a worker that serves it/m);
    assert.match(out, /^not ready: /m);
  });
});
