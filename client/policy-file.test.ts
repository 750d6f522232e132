import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadPolicyFile } from './policy-file.js';

const dir = mkdtempSync(join(tmpdir(), 'revoker-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadPolicyFile', () => {
  it('reads a YAML policy and fills in the defaults', () => {
    const path = file(
      'good.yaml',
      [
        '# contain at once for critical alerts only',
        'version: 1',
        'actions:',
        '  aws.deactivateAccessKey: { critical: auto }',
        '  aws.deleteAccessKey: skip',
      ].join('\n'),
    );
    assert.deepEqual(loadPolicyFile(path), {
      version: 1,
      approvalTimeout: '4h',
      allowlist: [],
      fourEyes: 1,
      releaseWindow: '24h',
      onTimeout: {},
      actions: { 'aws.deactivateAccessKey': { critical: 'auto' }, 'aws.deleteAccessKey': 'skip' },
    });
  });

  it('reads the same policy written as JSON', () => {
    const path = file('good.json', JSON.stringify({ version: 1, actions: { 'aws.denyUserSessions': 'auto' } }));
    assert.deepEqual(loadPolicyFile(path).actions, { 'aws.denyUserSessions': 'auto' });
  });

  it('names the file, each wrong field and its line', () => {
    const path = file(
      'bad.yaml',
      [
        'version: 1',
        'actions:',
        '  aws.deactivateAccessKey:',
        '    high: sometimes',
        '  aws.nukeAccount: approval',
        'approvalTimeout: 4 hours',
      ].join('\n'),
    );
    assert.throws(
      () => loadPolicyFile(path),
      (error: Error) => {
        assert.match(error.message, new RegExp(`policy file ${path} is invalid`));
        assert.match(error.message, /actions\.aws\.deactivateAccessKey\.high \(line 4\): Invalid option/);
        assert.match(error.message, /actions\.aws\.nukeAccount \(line 5\): unknown field/);
        assert.match(error.message, /approvalTimeout \(line 6\): a duration is a number and a unit/);
        return true;
      },
    );
  });

  it('refuses a destructive action set to run without a human, naming its line', () => {
    const path = file(
      'auto-delete.yaml',
      'version: 1\nactions:\n  aws.deleteAccessKey: { high: approval, critical: auto }\n',
    );
    assert.throws(
      () => loadPolicyFile(path),
      /actions\.aws\.deleteAccessKey \(line 3\): aws\.deleteAccessKey is destructive and cannot be "auto"/,
    );
  });

  it('reads trustedIdentities and approver aliases, and refuses a name given to two people', () => {
    const approvers = [
      'approvers:',
      '  groups: { soc: [sam@example.com, kim@example.com] }',
      '  default: [soc]',
      '  aliases:',
      '    sam@example.com: [samuel@corp.example]',
    ];
    const ok = loadPolicyFile(
      file('oidc.yaml', ['version: 1', 'trustedIdentities: oidc', ...approvers, ''].join('\n')),
    );
    assert.equal(ok.trustedIdentities, 'oidc');
    assert.deepEqual(ok.approvers?.aliases, { 'sam@example.com': ['samuel@corp.example'] });
    const twice = file(
      'alias-twice.yaml',
      ['version: 1', ...approvers, '    kim@example.com: [Samuel@Corp.example]', ''].join('\n'),
    );
    assert.throws(() => loadPolicyFile(twice), /"Samuel@Corp.example" is already a name of sam@example.com/);
    const unknown = file('trust.yaml', 'version: 1\ntrustedIdentities: whoever\n');
    assert.throws(() => loadPolicyFile(unknown), /trustedIdentities \(line 2\)/);
  });

  it('points at the line of a YAML syntax error', () => {
    const path = file('broken.yaml', 'version: 1\nversion: 1\n');
    assert.throws(
      () => loadPolicyFile(path),
      /broken\.yaml is not valid YAML or JSON:\n {2}- Map keys must be unique at line 2/,
    );
  });

  it('says so when the file is missing or empty', () => {
    assert.throws(() => loadPolicyFile(join(dir, 'nope.yaml')), /cannot read policy file .*nope\.yaml/);
    assert.throws(() => loadPolicyFile(file('empty.yaml', '# nothing yet\n')), /empty\.yaml is empty/);
  });

  it('refuses a crafted file the YAML parser would choke on, naming the file: deep nesting, an alias bomb, a huge file', () => {
    // 20,000 nested brackets ran the parser out of memory and crashed the process.
    const deep = file('deep.yaml', `version: 1\nx: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    assert.throws(() => loadPolicyFile(deep), /deep\.yaml nests \[ \] or \{ \} deeper than 64 levels/);
    const laughs = [
      'a: &a [x, x]',
      ...Array.from({ length: 30 }, (_, i) => `b${i}: &b${i} [*${i ? `b${i - 1}` : 'a'}, *${i ? `b${i - 1}` : 'a'}]`),
    ];
    assert.throws(
      () => loadPolicyFile(file('laughs.yaml', laughs.join('\n'))),
      /laughs\.yaml is not valid YAML or JSON:\n {2}- Excessive alias count/,
    );
    assert.throws(
      () => loadPolicyFile(file('huge.yaml', `version: 1\n#${'x'.repeat(2 * 1024 * 1024)}\n`)),
      /huge\.yaml is \d+ characters/,
    );
  });
});
