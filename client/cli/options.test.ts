import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliError } from './cli-error.js';
import { configuredIdentity, decisionRequest, parseTimeoutSeconds, type DecideOptions } from './options.js';

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

  it('asks who decides when nobody is named, saying every way to name them', () => {
    assert.throws(
      () => decisionRequest({ ...base, all: true }, () => undefined),
      (error: CliError) =>
        error.exitCode === 2 &&
        error.message.includes('pass --as <you@example.com>') &&
        error.message.includes('set REVOKER_IDENTITY=<you@example.com>') &&
        error.message.includes('run `revoker login`'),
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

describe('configuredIdentity', () => {
  it('is REVOKER_IDENTITY, else its deprecated old name REVOKER_APPROVER, and never the OS user', () => {
    assert.deepEqual(configuredIdentity({ REVOKER_IDENTITY: ' sam@example.com ', REVOKER_APPROVER: 'old' }), {
      name: 'sam@example.com',
      from: 'REVOKER_IDENTITY',
    });
    assert.deepEqual(configuredIdentity({ REVOKER_IDENTITY: '  ', REVOKER_APPROVER: 'kim@example.com' }), {
      name: 'kim@example.com',
      from: 'REVOKER_APPROVER',
    });
    assert.equal(configuredIdentity({ USER: 'root', LOGNAME: 'root', HOME: '/root' }), undefined);
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
