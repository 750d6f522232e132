import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../scripts/bootstrap.mjs';
import { readAlertFile } from './alert-file.js';
import { CliError } from './cli-error.js';

const fixture = (source: string, name: string) => join(ROOT, 'client/sources/fixtures', source, name);
const tempFile = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'revoker-alert-')), 'alert.json');
  writeFileSync(path, text);
  return path;
};

/** The CliError `fn` throws: a usage error (exit 2), as every refusal to read the input is. */
function refusal(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof CliError, String(error));
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('readAlertFile', () => {
  it('reads an alert in the generic format', () => {
    const alert = readAlertFile(join(ROOT, 'examples/alerts/aws-compromised-user.json'));
    assert.equal(alert.id, 'tour-0001');
    assert.deepEqual(alert.principals, [{ type: 'aws.user', accountId: '123456789012', userName: 'alice' }]);
  });

  it("maps a SIEM's own payload through its source adapter, as its webhook route does", () => {
    const alert = readAlertFile(fixture('sentinel', 'incident-token-replay.json'), 'sentinel');
    assert.equal(alert.source, 'sentinel');
    assert.ok(alert.principals.some((p) => p.type === 'entra.user'));
  });

  it('names each wrong field, and the --source a native payload read as generic needs', () => {
    const error = refusal(() => readAlertFile(fixture('guardduty', 'iam-user-access-key.json')));
    assert.match(error.message, /is not a valid alert for source generic \(Revoker generic JSON\):\n {2}- title: /);
    assert.match(error.message, /\n {2}- detail: unknown field/);
    assert.match(error.message, /\nIt parses as a payload from Amazon GuardDuty: pass --source guardduty\.$/);

    const generic = refusal(() => readAlertFile(tempFile('{"source": "x", "id": "1"}')));
    assert.match(generic.message, /\nA SIEM's own payload\? Pass --source <name>: guardduty, cloudtrail, /);
  });

  it('refuses a payload that names nothing to contain, naming the field', () => {
    const error = refusal(() => readAlertFile(fixture('sentinel', 'incident-host-ip-only.json'), 'sentinel'));
    assert.match(error.message, /nothing in this Microsoft Sentinel alert can be contained:\n {2}- \S+: /);
  });

  it('refuses a payload of the wrong source, a file that is not JSON, and one that is not there', () => {
    assert.match(
      refusal(() => readAlertFile(join(ROOT, 'examples/alerts/aws-compromised-user.json'), 'guardduty')).message,
      /is not a valid alert for source guardduty \(Amazon GuardDuty\):\n {2}- /,
    );
    assert.match(refusal(() => readAlertFile(tempFile('{"id": '))).message, /alert file \S+ is not JSON: /);
    assert.match(refusal(() => readAlertFile(join(ROOT, 'nope.json'))).message, /cannot read alert file \S+nope\.json/);
    assert.match(
      refusal(() => readAlertFile(tempFile('{}'), 'qradar')).message,
      /unknown source "qradar": use one of generic, /,
    );
  });
});
