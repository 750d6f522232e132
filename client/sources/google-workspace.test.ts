import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { googleWorkspace } from './google-workspace.js';
import { intakeApp, sourceKit, TOKEN } from './source-test-kit.js';

const { fixture, fixtureText, toAlert, refusal, ignored } = sourceKit<Record<string, unknown>>(googleWorkspace);
const MAIL_HELPER = '408765192034-q3k9mailhelper8x2vb.apps.googleusercontent.com';
const push = (body: unknown) => ({
  message: { data: Buffer.from(JSON.stringify(body)).toString('base64'), messageId: '1' },
  subscription: 'projects/acme-prod/subscriptions/revoker-alertcenter',
});

describe('google-workspace source', () => {
  it('contains the user of an Alert Center account alert from its Pub/Sub push, and the bare alert alike', () => {
    const alert = toAlert(fixture('suspicious-login'));
    assert.deepEqual(alert, {
      source: 'google-workspace',
      id: '2f6e8a1c-4b7d-4e29-9c31-5a0d7b8e6f42',
      title: 'Suspicious login (maria@acme.example)',
      severity: 'high',
      observedAt: '2026-11-28T07:29:55Z',
      link: 'https://admin.google.com/ac/sc/investigation?query=login&alertId=2f6e8a1c-4b7d-4e29-9c31-5a0d7b8e6f42',
      principals: [{ type: 'workspace.user', user: 'maria@acme.example' }],
    });
    assert.deepEqual(toAlert(fixture('suspicious-login.notification')), alert, 'the push carries the same alert');
    const pushed = JSON.parse(
      Buffer.from((fixture('suspicious-login').message as { data: string }).data, 'base64').toString(),
    ) as unknown;
    assert.deepEqual(pushed, fixture('suspicious-login.notification'), 'the fixtures agree');
  });

  it('rates a leaked password critical, and ignores an alert deleted in Alert Center', () => {
    const leaked = { ...fixture('suspicious-login.notification'), type: 'Leaked password' };
    assert.equal(toAlert(push(leaked)).severity, 'critical');
    const deleted = { ...fixture('suspicious-login.notification'), deleted: true };
    assert.equal(ignored(push(deleted)).field, 'message.data.deleted');
  });

  it('refuses an alert type that names nobody to contain, saying which types it contains', () => {
    const [issue] = refusal(fixture('apps-outage'));
    assert.equal(issue?.field, 'type');
    assert.match(issue?.message ?? '', /"Apps outage" names no user or app.*Suspicious login/);
  });

  it('contains an app a user granted full Gmail to, that user first, from the token activity', () => {
    const alert = toAlert(fixture('token-authorize'));
    assert.deepEqual(alert.principals, [
      { type: 'workspace.app', domain: 'acme.example', clientId: MAIL_HELPER, user: 'maria@acme.example' },
    ]);
    assert.equal(alert.severity, 'high');
    assert.equal(alert.id, 'token/-5828834513429118234');
    assert.match(alert.title, /maria@acme.example granted Mail Helper Pro https:\/\/mail.google.com\//);
  });

  it('rates a grant of harmless scopes medium, and refuses an authorize event without its client_id', () => {
    const body = fixture('token-authorize') as { events: { parameters: { name: string; multiValue?: string[] }[] }[] };
    const scope = body.events[0]?.parameters.find((p) => p.name === 'scope');
    if (scope) scope.multiValue = ['https://www.googleapis.com/auth/calendar.readonly'];
    assert.equal(toAlert(body).severity, 'medium');
    body.events[0]!.parameters = body.events[0]!.parameters.filter((p) => p.name !== 'client_id');
    assert.equal(refusal(body)[0]?.field, 'events.0.parameters');
  });

  it('contains the user of a suspicious login activity, and refuses an activity of another application', () => {
    const alert = toAlert(fixture('suspicious-programmatic-login'));
    assert.deepEqual(alert.principals, [{ type: 'workspace.user', user: 'li@acme.example' }]);
    assert.equal(alert.title, 'suspicious programmatic login of li@acme.example');
    const drive = fixture('suspicious-programmatic-login') as { id: Record<string, string> };
    drive.id.applicationName = 'drive';
    assert.equal(refusal(drive)[0]?.field, 'id.applicationName');
  });

  it('is a route that takes its token in the URL, as a push subscription sends it', async () => {
    const intake = intakeApp();
    const response = await intake.post(`/alerts/google-workspace?token=${TOKEN}`, fixtureText('suspicious-login'), {});
    assert.equal(response.status, 202);
    assert.deepEqual(intake.started[0]?.principals, [{ type: 'workspace.user', user: 'maria@acme.example' }]);
  });
});
