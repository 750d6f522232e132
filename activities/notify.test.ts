import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createNotifyActivities } from './notify.js';
import type { PlaybookEvent } from './notify-message.js';

const SECRET_URL = 'https://hooks.slack.com/services/T000/B000/secret-token';
const event: PlaybookEvent = { kind: 'completed', state: 'Contained', summary: 'all done', residualRisks: 0 };

describe('notify activity', () => {
  it('sends nothing when no webhook URL is configured', async () => {
    let calls = 0;
    const { notify } = createNotifyActivities({
      uiBaseUrl: 'http://ui',
      fetch: () => {
        calls += 1;
        return Promise.resolve(new Response(null));
      },
    });
    assert.deepEqual(await new MockActivityEnvironment().run(notify, event), { sent: false });
    assert.equal(calls, 0);
  });

  it('posts the message as JSON with a deep link into the Temporal UI', async () => {
    const posted: { url: string; body: string }[] = [];
    const { notify } = createNotifyActivities({
      url: SECRET_URL,
      uiBaseUrl: 'http://ui/',
      fetch: (url, init) => {
        posted.push({ url: url as string, body: init?.body as string });
        return Promise.resolve(new Response('ok'));
      },
    });
    assert.deepEqual(await new MockActivityEnvironment().run(notify, event), { sent: true });
    assert.equal(posted[0]?.url, SECRET_URL);
    const body = JSON.parse(posted[0]?.body ?? '{}') as { text: string };
    assert.ok(body.text.includes('(http://ui/namespaces/test/workflows/test)'), body.text);
  });

  it('adds signed links when link settings are given, and returns nothing of them', async () => {
    const posted: string[] = [];
    const { notify } = createNotifyActivities({
      url: SECRET_URL,
      uiBaseUrl: 'http://ui',
      links: { baseUrl: 'https://revoker.example.com', secrets: ['s'.repeat(40)], approvers: ['sam@example.com'] },
      fetch: (_url, init) => {
        posted.push(init?.body as string);
        return Promise.resolve(new Response('ok'));
      },
    });
    const waiting: PlaybookEvent = {
      kind: 'approval-requested',
      title: 'Stolen key used',
      severity: 'medium',
      actions: [{ id: 'aws:delete-key:AKIA1', description: 'Delete it' }],
      linksExpireAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const result = await new MockActivityEnvironment().run(notify, waiting);
    assert.deepEqual(result, { sent: true }, 'the result (recorded in history) carries no link');
    const body = JSON.parse(posted[0] ?? '{}') as { text: string };
    assert.match(
      body.text,
      /\[Approve as sam@example\.com\]\(https:\/\/revoker\.example\.com\/links\/[\w-]+\.[\w-]+\.[\w-]+\)/,
    );
    assert.match(body.text, /\[Reject as sam@example\.com\]\(https:\/\/revoker\.example\.com\/links\//);
  });

  it('throws a retryable error that does not quote the secret URL on a non-2xx answer or a network error', async () => {
    for (const fetch of [
      () => Promise.resolve(new Response('no', { status: 500 })),
      () => Promise.reject(new TypeError(`fetch failed: ${SECRET_URL}`)),
    ]) {
      const { notify } = createNotifyActivities({ url: SECRET_URL, uiBaseUrl: 'http://ui', fetch });
      const error: unknown = await new MockActivityEnvironment().run(notify, event).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'NotificationFailedError');
      assert.equal(error.nonRetryable, false);
      assert.ok(!error.message.includes('secret-token'), error.message);
    }
  });

  it('gives up at once when the webhook refuses the message with a 4xx other than 429', async () => {
    const fetch = () => Promise.resolve(new Response('gone', { status: 404 }));
    const { notify } = createNotifyActivities({ url: SECRET_URL, uiBaseUrl: 'http://ui', fetch });
    const error: unknown = await new MockActivityEnvironment().run(notify, event).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplicationFailure);
    assert.deepEqual([error.type, error.nonRetryable], ['InvalidRequestError', true]);
    assert.match(error.message, /HTTP 404: check the URL/);
    assert.ok(!error.message.includes('secret-token'));
  });
});
