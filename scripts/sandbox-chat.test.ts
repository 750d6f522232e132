import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSandboxChat, terminalText } from './sandbox-chat.js';

describe('sandbox chat', () => {
  it('prints each link on its own line as "label: url" so a terminal makes it clickable', () => {
    const text = terminalText(
      [
        '**Revoker: 1 containment step(s) await approval (medium)**',
        '[Open in Temporal UI](http://localhost:8233/namespaces/default/workflows/x)',
        'Decide in one click until 2026-11-23T14:00:00Z:',
        '[Approve as responder@example.com](http://localhost:8080/links/a.b.c) · [Reject as \\[x\\]](http://localhost:8080/links/d.e.f)',
      ].join('\n\n'),
    );
    assert.equal(
      text,
      [
        'Revoker: 1 containment step(s) await approval (medium)',
        '  Open in Temporal UI: http://localhost:8233/namespaces/default/workflows/x',
        'Decide in one click until 2026-11-23T14:00:00Z:',
        '  Approve as responder@example.com: http://localhost:8080/links/a.b.c',
        '  Reject as [x]: http://localhost:8080/links/d.e.f',
      ].join('\n'),
    );
  });

  it('accepts a Slack-style post and refuses anything without text', async () => {
    const printed: string[] = [];
    const { url } = await startSandboxChat((text) => printed.push(text));
    const ok = await fetch(url, { method: 'POST', body: JSON.stringify({ text: 'hello', blocks: [] }) });
    const bad = await fetch(url, { method: 'POST', body: '{"blocks":[]}' });
    assert.deepEqual([ok.status, bad.status, printed], [200, 400, ['hello']]);
  });
});
