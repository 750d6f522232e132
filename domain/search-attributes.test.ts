import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertRefs, MAX_ALERT_REFS_CHARS } from './search-attributes.js';

describe('alertRefs', () => {
  it('lists every alert once, in order, while they fit in one search attribute value', () => {
    const alerts = [
      { source: 'splunk', id: 'a' },
      { source: 'sentinel', id: 'b' },
      { source: 'splunk', id: 'a' },
    ];
    assert.deepEqual(alertRefs(alerts), ['splunk:a', 'sentinel:b']);
  });

  it('keeps the first alerts of a storm and stays under the size limit', () => {
    const storm = Array.from({ length: 1000 }, (_, i) => ({ source: 'guardduty', id: `finding-${i}` }));
    const refs = alertRefs(storm);
    assert.equal(refs[0], 'guardduty:finding-0');
    assert.ok(refs.length > 10 && refs.length < 1000);
    assert.ok(refs.join('","').length < MAX_ALERT_REFS_CHARS);
  });
});
