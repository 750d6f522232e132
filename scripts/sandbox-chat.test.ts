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

  it("prints each approver's direct message under their name, through Slack's Web API methods", async () => {
    const printed: string[] = [];
    const { slack } = await startSandboxChat((text) => printed.push(text));
    const headers = { authorization: `Bearer ${slack.botToken}` };
    const lookup = await fetch(`${slack.apiUrl}/users.lookupByEmail`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ email: 'Sam@Example.com' }),
    });
    const { user } = (await lookup.json()) as { user: { id: string } };
    const posted = await fetch(`${slack.apiUrl}/chat.postMessage`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: user.id,
        text: '[Approve as sam@example.com](http://localhost:8080/links/a.b.c)',
      }),
    });
    assert.equal(((await posted.json()) as { ok: boolean }).ok, true);
    assert.deepEqual(printed, [
      'Direct message to sam@example.com (only they see it):\n  Approve as sam@example.com: http://localhost:8080/links/a.b.c',
    ]);
  });
});
