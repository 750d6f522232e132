import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliError } from './cli-error.js';
import { decisionRequest, defaultApprover, parseTimeoutSeconds, type DecideOptions } from './options.js';

const base: DecideOptions = { wait: true, timeout: 120 };
const sam = () => 'sam';

describe('decisionRequest', () => {
  it('needs exactly one of --actions and --all', () => {
    for (const options of [base, { ...base, all: true, actions: ['a'] }, { ...base, actions: [' , '] }]) {
      assert.throws(
        () => decisionRequest(options, sam),
        (error: CliError) =>
          error.exitCode === 2 && /exactly one of --actions <ids\.\.\.> .* or --all/.test(error.message),
      );
    }
  });

  it('takes ids separated by spaces or commas, once each', () => {
    const request = decisionRequest({ ...base, actions: ['a,b', 'c', 'a'] }, sam);
    assert.deepEqual(request, { approver: 'sam', actions: ['a', 'b', 'c'] });
  });

  it('sends "all" with the approver and reason', () => {
    const request = decisionRequest({ ...base, all: true, as: ' kim ', reason: 'confirmed with the user' }, sam);
    assert.deepEqual(request, { approver: 'kim', actions: 'all', reason: 'confirmed with the user' });
  });

  it('asks who decides when no approver can be found', () => {
    assert.throws(
      () => decisionRequest({ ...base, all: true }, () => undefined),
      /pass --as <name> or set REVOKER_APPROVER/,
    );
  });

  it('checks the payload with the workflow schema, naming the flag', () => {
    assert.throws(
      () => decisionRequest({ ...base, all: true, reason: 'x'.repeat(1001) }, sam),
      /^CliError: --reason: /,
    );
    assert.throws(() => decisionRequest({ ...base, all: true, as: 'x'.repeat(129) }, sam), /--as: /);
  });
});

describe('defaultApprover', () => {
  it('uses REVOKER_APPROVER, then the OS user', () => {
    assert.equal(
      defaultApprover({ REVOKER_APPROVER: 'sam@example.com' }, () => 'root'),
      'sam@example.com',
    );
    assert.equal(
      defaultApprover({ REVOKER_APPROVER: '  ' }, () => 'root'),
      'root',
    );
    assert.equal(
      defaultApprover({}, () => {
        throw new Error('no passwd entry');
      }),
      undefined,
    );
  });
});

describe('parseTimeoutSeconds', () => {
  it('accepts positive seconds and refuses anything else', () => {
    assert.equal(parseTimeoutSeconds('120'), 120);
    assert.equal(parseTimeoutSeconds('0.5'), 0.5);
    for (const bad of ['0', '-1', 'abc', '1e3', '100000'])
      assert.throws(() => parseTimeoutSeconds(bad), /number of seconds/);
  });
});
