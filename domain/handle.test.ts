import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { incidentHandle, parseHandle } from './handle.js';

describe('the incident handle', () => {
  const id = 'contain/p.3q2xkq5v7m';
  const run = '01938a6e-7c2b-7f21-9d4e-5b1a2c3d4e5f';

  it('is INC- and six Crockford base32 characters, the same every time', () => {
    const handle = incidentHandle(id, run);
    assert.match(handle, /^INC-[0-9A-HJKMNP-TV-Z]{6}$/);
    assert.equal(incidentHandle(id, run), handle);
  });

  it('differs for a later incident under the same workflow id, and for another id', () => {
    const handles = new Set([
      incidentHandle(id, run),
      incidentHandle(id, '01938a6e-7c2b-7f21-9d4e-5b1a2c3d4e60'),
      incidentHandle(`${id}x`, run),
    ]);
    assert.equal(handles.size, 3);
  });

  it('is read back from what a person types: any case, no dash, look-alike letters', () => {
    const handle = incidentHandle(id, run);
    assert.equal(parseHandle(handle.toLowerCase()), handle);
    assert.equal(parseHandle(` ${handle.replace('-', '')} `), handle);
    assert.equal(parseHandle('inc-7f3kio'), 'INC-7F3K10');
    assert.equal(parseHandle('INC-7F3KLU'), undefined, 'U is not in the alphabet');
    for (const text of ['', 'INC-', 'INC-7F3K', 'INC-7F3K2Q9', 'contain/INC-7F3K2Q', 'INC_7F3K2Q']) {
      assert.equal(parseHandle(text), undefined, text);
    }
  });

  it('round-trips for any workflow id and run id', () => {
    fc.assert(
      fc.property(fc.string(), fc.uuid(), (workflowId, firstRunId) => {
        const handle = incidentHandle(workflowId, firstRunId);
        return parseHandle(handle) === handle && /^INC-[0-9A-HJKMNP-TV-Z]{6}$/.test(handle);
      }),
    );
  });

  it('rarely collides: 20,000 incidents, at most a handful share a handle', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) seen.add(incidentHandle(`contain/p.${i}`, run));
    // 30 bits: the birthday bound expects about 0.2 collisions here; the CLI says so when a handle is ambiguous.
    assert.ok(20_000 - seen.size <= 3, `${20_000 - seen.size} collisions`);
  });
});
