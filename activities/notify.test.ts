import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { startSlackApi } from '../simulators/slack/index.js';
import { slackDirectMessages } from './notify-direct.js';
import { createNotifyActivities } from './notify.js';
import type { PlaybookEvent } from './notify-message.js';

const SECRET_URL = 'https://hooks.slack.com/services/T000/B000/secret-token';
const event: PlaybookEvent = { kind: 'completed', state: 'Contained', summary: 'all done', residualRisks: 0 };
const waiting: PlaybookEvent = {
  kind: 'approval-requested',
  title: 'Stolen key used',
  severity: 'medium',
  actions: [{ id: 'aws:delete-key:AKIA1', description: 'Delete it' }],
  linksExpireAt: new Date(Date.now() + 3_600_000).toISOString(),
};

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

  it('sends each approver their own links by direct message, none to the channel, and returns nothing of them', async () => {
    const slack = await startSlackApi();
    try {
      const posted: string[] = [];
      const { notify } = createNotifyActivities({
        url: SECRET_URL,
        uiBaseUrl: 'http://ui',
        links: {
          baseUrl: 'https://revoker.example.com',
          secrets: ['s'.repeat(40)],
          approvers: ['sam@example.com', 'Kim@Example.com'],
        },
        direct: slackDirectMessages({ apiUrl: slack.apiUrl, botToken: slack.botToken }),
        fetch: (url, init) => {
          if ((url as string).startsWith(slack.apiUrl)) return fetch(url, init);
          posted.push(init?.body as string);
          return Promise.resolve(new Response('ok'));
        },
      });
      const result = await new MockActivityEnvironment().run(notify, waiting);
      assert.deepEqual(result, { sent: true }, 'the result (recorded in history) carries no link');
      const channel = JSON.parse(posted[0] ?? '{}') as { text: string };
      assert.ok(!channel.text.includes('/links/'), `no link in the channel: ${channel.text}`);
      assert.match(channel.text, /One-click links went to 2 approver\(s\) by direct message/);
      assert.ok(channel.text.includes('aws:delete-key:AKIA1'), 'the channel keeps the facts');

      assert.deepEqual(slack.members().sort(), ['kim@example.com', 'sam@example.com']);
      const [sam] = slack.inbox('sam@example.com');
      assert.equal(slack.inbox('sam@example.com').length, 1);
      assert.match(
        sam?.text ?? '',
        /\[Approve as sam@example\.com\]\(https:\/\/revoker\.example\.com\/links\/[\w-]+\.[\w-]+\.[\w-]+\)/,
      );
      assert.match(sam?.text ?? '', /\[Reject as sam@example\.com\]\(https:\/\/revoker\.example\.com\/links\//);
      assert.match(sam?.text ?? '', /your own links, do not forward them/);
      assert.ok(!sam?.text.includes('Kim@Example.com'), "sam's message holds no link of kim's");
      assert.match(slack.inbox('kim@example.com')[0]?.text ?? '', /Approve as Kim@Example\.com/);
    } finally {
      await slack.close();
    }
  });

  it('sends no links at all without a private channel, and skips an approver the workspace does not know', async () => {
    const posted: string[] = [];
    const channelOnly = createNotifyActivities({
      url: SECRET_URL,
      uiBaseUrl: 'http://ui',
      links: { baseUrl: 'https://revoker.example.com', secrets: ['s'.repeat(40)], approvers: ['sam@example.com'] },
      fetch: (_url, init) => {
        posted.push(init?.body as string);
        return Promise.resolve(new Response('ok'));
      },
    });
    await new MockActivityEnvironment().run(channelOnly.notify, waiting);
    assert.ok(!posted[0]?.includes('/links/'), posted[0]);

    const slack = await startSlackApi();
    try {
      slack.unknown.add('sam@example.com');
      const { notify } = createNotifyActivities({
        uiBaseUrl: 'http://ui',
        links: {
          baseUrl: 'https://r.example.com',
          secrets: ['s'.repeat(40)],
          approvers: ['sam@example.com', 'kim@example.com'],
        },
        direct: slackDirectMessages({ apiUrl: slack.apiUrl, botToken: slack.botToken }),
      });
      assert.deepEqual(await new MockActivityEnvironment().run(notify, waiting), { sent: true });
      assert.deepEqual(slack.members(), ['kim@example.com']);
    } finally {
      await slack.close();
    }
  });

  it('fails without retrying when Slack refuses the bot token, without quoting it', async () => {
    const slack = await startSlackApi();
    try {
      const { notify } = createNotifyActivities({
        uiBaseUrl: 'http://ui',
        links: { baseUrl: 'https://r.example.com', secrets: ['s'.repeat(40)], approvers: ['sam@example.com'] },
        direct: slackDirectMessages({ apiUrl: slack.apiUrl, botToken: 'xoxb-wrong-token' }),
      });
      const error: unknown = await new MockActivityEnvironment().run(notify, waiting).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ApplicationFailure);
      assert.deepEqual([error.type, error.nonRetryable], ['InvalidRequestError', true]);
      assert.match(error.message, /invalid_auth.*REVOKER_SLACK_BOT_TOKEN/);
      assert.ok(!error.message.includes('xoxb-wrong-token'));
    } finally {
      await slack.close();
    }
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
