import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyLinkToken } from '../connect/link-token.js';
import { mintLinks, MAX_LINKED_IDENTITIES, type LinkSettings } from './notify-links.js';
import type { PlaybookEvent } from './notify-message.js';

const SECRET = 'link-secret-for-notify-tests-0123456789';
const NOW = new Date('2026-11-23T10:00:00Z');
const EXPIRES = '2026-11-23T14:00:00.000Z';
const execution = { workflowId: 'contain/aws/123456789012/user/alice', runId: 'run-1' };
const settings: LinkSettings = { baseUrl: 'https://revoker.example.com/', secrets: [SECRET] };
const approval = (
  actions: Extract<PlaybookEvent, { kind: 'approval-requested' }>['actions'],
): Extract<PlaybookEvent, { kind: 'approval-requested' }> => ({
  kind: 'approval-requested',
  title: 'Stolen key used',
  severity: 'medium',
  actions,
  linksExpireAt: EXPIRES,
});

async function claimsOf(url: string) {
  assert.ok(url.startsWith('https://revoker.example.com/links/'), url);
  return verifyLinkToken(url.slice(url.lastIndexOf('/') + 1), [SECRET], NOW);
}

describe('one-click link minting', () => {
  it('gives each approver an approve and a reject link covering exactly the actions they may decide', async () => {
    const event = approval([
      { id: 'aws:deny-user-sessions:alice', description: 'Deny', approvers: ['sam@example.com', 'kim@example.com'] },
      { id: 'aws:delete-key:AKIA1', description: 'Delete', approvers: ['Sam@example.com', 'lee@example.com'] },
    ]);
    const links = await mintLinks(event, execution, settings, NOW);
    assert.deepEqual(
      links?.identities.map((i) => [i.approver, i.links.map((l) => l.verdict)]),
      [
        ['sam@example.com', ['approve', 'reject']],
        ['kim@example.com', ['approve', 'reject']],
        ['lee@example.com', ['approve', 'reject']],
      ],
      'one identity per person, whatever the case',
    );
    const [sam, kim, lee] = links?.identities ?? [];
    const samApprove = await claimsOf(sam?.links[0]?.url ?? '');
    assert.deepEqual(
      { ...samApprove, id: undefined, issuedAt: undefined },
      {
        ...execution,
        verdict: 'approve',
        actions: ['aws:deny-user-sessions:alice', 'aws:delete-key:AKIA1'],
        approver: 'sam@example.com',
        id: undefined,
        issuedAt: undefined,
        expiresAt: new Date(EXPIRES),
      },
    );
    assert.deepEqual((await claimsOf(kim?.links[1]?.url ?? '')).actions, ['aws:deny-user-sessions:alice']);
    assert.equal((await claimsOf(kim?.links[1]?.url ?? '')).verdict, 'reject');
    assert.deepEqual((await claimsOf(lee?.links[0]?.url ?? '')).actions, ['aws:delete-key:AKIA1']);
    assert.equal(links?.more, 0);
    assert.equal(links?.expiresAt, EXPIRES);
  });

  it('uses the configured approvers when the policy names none, and mints nothing without any', async () => {
    const event = approval([{ id: 'a1', description: 'step' }]);
    assert.equal(await mintLinks(event, execution, settings, NOW), undefined);
    const links = await mintLinks(event, execution, { ...settings, approvers: ['responder@example.com'] }, NOW);
    assert.equal(links?.identities[0]?.approver, 'responder@example.com');
  });

  it('offers release links for a completed playbook with releasable steps, and nothing without them', async () => {
    const completed: PlaybookEvent = {
      kind: 'completed',
      state: 'Contained',
      summary: 'done',
      residualRisks: 0,
      releasable: [{ id: 'aws:deactivate-key:AKIA1', description: 'Deactivate', approvers: ['sam@example.com'] }],
      linksExpireAt: EXPIRES,
    };
    const links = await mintLinks(completed, execution, settings, NOW);
    assert.deepEqual(
      links?.identities.map((i) => i.links.map((l) => l.verdict)),
      [['release']],
    );
    assert.equal((await claimsOf(links?.identities[0]?.links[0]?.url ?? '')).verdict, 'release');
    assert.equal(await mintLinks({ ...completed, releasable: [] }, execution, settings, NOW), undefined);
  });

  it('mints nothing without an expiry, a secret, or with a window that is already over', async () => {
    const event = approval([{ id: 'a1', description: 'step', approvers: ['sam@example.com'] }]);
    assert.equal(await mintLinks({ ...event, linksExpireAt: undefined }, execution, settings, NOW), undefined);
    assert.equal(await mintLinks(event, execution, { ...settings, secrets: [] }, NOW), undefined);
    const past = { ...event, linksExpireAt: '2026-11-23T09:00:00Z' };
    assert.equal(await mintLinks(past, execution, settings, NOW), undefined);
  });

  it(`links at most ${MAX_LINKED_IDENTITIES} approvers and counts the rest`, async () => {
    const approvers = Array.from({ length: 13 }, (_, i) => `person${i}@example.com`);
    const links = await mintLinks(approval([{ id: 'a1', description: 'step', approvers }]), execution, settings, NOW);
    assert.equal(links?.identities.length, MAX_LINKED_IDENTITIES);
    assert.equal(links?.more, 3);
  });

  it('keeps a message with many long action ids deliverable by linking fewer approvers', async () => {
    const actions = Array.from({ length: 12 }, (_, i) => ({
      id: `gcp:delete-key:${String(i).padStart(40, '0')}`,
      description: 'step',
      approvers: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com'],
    }));
    const links = await mintLinks(approval(actions), execution, settings, NOW);
    const total = (links?.identities ?? []).flatMap((i) => i.links).reduce((sum, l) => sum + l.url.length, 0);
    assert.ok(total <= 10_000, `${total} characters of links`);
    assert.ok((links?.identities.length ?? 0) >= 1);
    assert.equal((links?.identities.length ?? 0) + (links?.more ?? 0), 5);
  });
});
