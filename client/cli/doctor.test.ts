import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessCheck, DoctorReport } from '../../domain/doctor.js';
import { formatDoctor } from './doctor.js';

const UNCHECKED = ['iam:GetAccessKeyLastUsed'];
const aws = (id: string, more: Partial<AccessCheck> = {}): AccessCheck => ({
  cloud: 'aws',
  id,
  reachable: true,
  identity: `arn:aws:sts::${id}:assumed-role/RevokerResponder/revoker`,
  missing: [],
  unchecked: UNCHECKED,
  ...more,
});
const report = (checks: AccessCheck[], unanswered: DoctorReport['unanswered'] = []): DoctorReport => ({
  checkedAt: '2026-12-03T07:00:00.000Z',
  checks,
  unanswered,
});

describe('revoker doctor output', () => {
  it('says once what it could not check in every account, not once per account', () => {
    const accounts = Array.from({ length: 100 }, (_, i) => aws(String(600000000000 + i)));
    const text = formatDoctor(report(accounts));
    assert.equal(text.match(/not checked/g)?.length, 1);
    assert.match(text, /aws \(every one listed\), not checked: iam:GetAccessKeyLastUsed/);
    assert.match(text, /ready: every listed target \(100\) is reachable/);
    // A row per account, to find the one that is wrong.
    assert.equal(text.match(/assumed-role\/RevokerResponder/g)?.length, 100);
  });

  it('names the accounts a check was skipped in when not all of them', () => {
    const text = formatDoctor(report([aws('111111111111'), aws('222222222222', { unchecked: [] })]));
    assert.match(text, /aws 111111111111, not checked: iam:GetAccessKeyLastUsed/);
  });

  it('lists what each account lacks and why one is unreachable, and counts what is not ready', () => {
    const text = formatDoctor(
      report(
        [
          aws('111111111111', { missing: ['iam:DeleteAccessKey: delete a compromised key, after approval'] }),
          aws('222222222222', {
            reachable: false,
            identity: undefined,
            unchecked: [],
            problem: 'Revoker cannot assume arn:aws:iam::222222222222:role/RevokerResponder',
          }),
          aws('333333333333'),
        ],
        [{ cloud: 'gcp', problem: 'no worker took the check from revoker-gcp within 15s' }],
      ),
    );
    assert.match(text, /aws 111111111111 lacks:\n {2}iam:DeleteAccessKey: delete a compromised key/);
    assert.match(text, /aws 222222222222: Revoker cannot assume/);
    assert.match(text, /gcp: no worker took the check/);
    assert.match(
      text,
      /not ready: 2 of 3 listed targets unreachable or short of a permission, 1 cloud\(s\) unanswered/,
    );
    assert.match(text, /entra: nothing listed to check/);
  });
});
