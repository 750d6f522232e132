import { z } from 'zod';
import { ACTION_KINDS, actionId, RELEASE_OF, type Action, type ActionSpec } from './action.js';
import { lazySchema } from './lazy-schema.js';

/**
 * The principal's ledger: every reversible control Revoker put in force on one canonical principal,
 * and the incidents that hold it. A control comes off only when its last holder releases it, and
 * only if Revoker made the change. Pure, so the rules are unit-tested; workflows/principal.ts keeps
 * one ledger per principal and answers incidents through Updates.
 */
export interface Ledger {
  /** The canonical principal key, e.g. `aws/123456789012/user/alice`. */
  principal: string;
  controls: Record<string, Control>;
}

export interface Control {
  /** The containment action id, e.g. `aws:deactivate-key:AKIA…`. */
  id: string;
  /** Incidents relying on it: a release by one of them leaves it in force for the others. */
  holders: string[];
  /** Set when a Revoker incident made the change (not found it so): only then may a release undo it. */
  madeBy?: { incident: string; at: string };
  /** The incident undoing it now: holds wait until it is done, so the two never race at the cloud. */
  releasing?: string;
  /** Set when a later step made the control moot and irreversible (the key was deleted). */
  gone?: { by: string; at: string };
}

/** What an incident asks its principal's ledger, and what the ledger answers. */
export interface HoldRequest {
  incident: string;
  control: string;
}
export interface HoldAnswer {
  /** The other incidents holding the control. */
  heldBy: string[];
}
export interface RecordRequest extends HoldRequest {
  /** `done`: this incident changed the cloud; `already`: it found it so; `failed`: the hold is dropped. */
  outcome: 'done' | 'already' | 'failed';
  at: string;
}
export interface GoneRequest extends HoldRequest {
  at: string;
}
export type ReleaseAnswer =
  /** Others still hold it: it stays in force. */
  | { verdict: 'keep'; heldBy: string[] }
  /** This incident was the last holder and Revoker made the change: undo it, then say `released`. */
  | { verdict: 'undo'; madeBy: { incident: string; at: string } }
  /** Last holder, but there is nothing Revoker may undo. */
  | { verdict: 'leave'; why: string };
export interface ReleasedRequest extends HoldRequest {
  ok: boolean;
}

// The ledger's Update payloads, checked by the principal workflow's validators.
const incidentId = lazySchema(() => z.string().min(1).max(600));
const controlId = lazySchema(() => z.string().min(1).max(300));
export const HoldRequestSchema = lazySchema(() => z.strictObject({ incident: incidentId, control: controlId }));
export const RecordRequestSchema = lazySchema(() =>
  HoldRequestSchema.extend({
    outcome: z.enum(['done', 'already', 'failed']),
    at: z.string().min(1).max(40),
  }),
);
export const GoneRequestSchema = lazySchema(() => HoldRequestSchema.extend({ at: z.string().min(1).max(40) }));
export const ReleasedRequestSchema = lazySchema(() => HoldRequestSchema.extend({ ok: z.boolean() }));
export const HoldersChangedSchema = lazySchema(() =>
  HoldRequestSchema.extend({ heldBy: z.array(incidentId).max(1000) }),
);

/** The canonical principal that owns a control on this target: one ledger for every way of naming it. */
export function controlOwner(action: Pick<Action, 'kind' | 'target'>): string {
  const target = action.target as unknown as Record<string, string>;
  switch (ACTION_KINDS[action.kind].provider) {
    case 'aws':
      return target.roleName
        ? `aws/${target.accountId}/role/${target.roleName}`
        : `aws/${target.accountId}/user/${target.userName}`;
    case 'entra':
      return target.userId
        ? `entra/${target.tenantId}/user/${String(target.userId).toLowerCase()}`
        : `entra/${target.tenantId}/app/${String(target.appId).toLowerCase()}`;
    case 'gcp':
      return `gcp/${target.projectId}/service-account/${target.email}`;
    case 'workspace':
      // A user's controls (sign-out, suspension, their grants) are the user's; a domain-wide one is the app's.
      return target.user
        ? `workspace/${target.domain}/user/${String(target.user).toLowerCase()}`
        : `workspace/${target.domain}/app/${target.clientId}`;
    case 'kubernetes':
      return `kubernetes/${target.cluster}/${target.namespace}/service-account/${target.serviceAccount ?? target.name}`;
  }
}

/** The control a done step of this kind makes permanent (the key it deleted), if any. */
export function endedControl(action: Pick<Action, 'kind' | 'target'>): string | undefined {
  const ends = ACTION_KINDS[action.kind].ends;
  return ends ? actionId({ kind: ends, target: action.target } as ActionSpec) : undefined;
}

/** Holder ids are `<workflow id>#<first run id>`: a later incident with the same workflow id is another holder. */
export function incidentOf(holder: string): string {
  const at = holder.lastIndexOf('#');
  return at < 0 ? holder : holder.slice(0, at);
}

/** Only reversible controls are held: an irreversible one has no release to guard. */
export function isHeldControl(action: Pick<Action, 'kind' | 'reverses'>): boolean {
  return !action.reverses && RELEASE_OF[action.kind] !== undefined;
}

export function emptyLedger(principal: string): Ledger {
  return { principal, controls: {} };
}

function control(ledger: Ledger, id: string): Control {
  return (ledger.controls[id] ??= { id, holders: [] });
}

const others = (c: Control, incident: string) => c.holders.filter((h) => h !== incident);

/** Whether a hold must wait: another incident is undoing the control right now. */
export function holdMustWait(ledger: Ledger, { incident, control: id }: HoldRequest): boolean {
  const releasing = ledger.controls[id]?.releasing;
  return releasing !== undefined && releasing !== incident;
}

export function hold(ledger: Ledger, { incident, control: id }: HoldRequest): HoldAnswer {
  const c = control(ledger, id);
  if (!c.holders.includes(incident)) c.holders.push(incident);
  return { heldBy: others(c, incident) };
}

export function recordOutcome(ledger: Ledger, { incident, control: id, outcome, at }: RecordRequest): void {
  const c = control(ledger, id);
  if (outcome === 'failed') {
    c.holders = others(c, incident);
  } else if (outcome === 'done') {
    // The latest change is the one in force (a later aws:TokenIssueTime cut-off replaces an earlier one).
    c.madeBy = { incident, at };
    if (!c.holders.includes(incident)) c.holders.push(incident);
  }
  prune(ledger, id);
}

/** A deletion made the control irreversible (the key is gone): no release may try to undo it. */
export function recordGone(ledger: Ledger, { incident, control: id, at }: GoneRequest): void {
  control(ledger, id).gone ??= { by: incident, at };
}

/**
 * An incident lets go of a control. Idempotent: asked twice by the same incident, it answers the same.
 */
export function releaseHold(ledger: Ledger, { incident, control: id }: HoldRequest): ReleaseAnswer {
  const c = ledger.controls[id];
  if (!c) return { verdict: 'leave', why: `${id} is not in force on ${ledger.principal}: nothing to undo` };
  if (c.releasing === incident && c.madeBy) return { verdict: 'undo', madeBy: c.madeBy };
  c.holders = others(c, incident);
  if (c.holders.length) return { verdict: 'keep', heldBy: [...c.holders] };
  if (c.gone) {
    delete ledger.controls[id];
    return { verdict: 'leave', why: `the key was deleted by ${c.gone.by}: it cannot come back` };
  }
  if (!c.madeBy) {
    prune(ledger, id);
    return { verdict: 'leave', why: `${id} changed nothing (it was already so before Revoker): left as found` };
  }
  c.releasing = incident;
  return { verdict: 'undo', madeBy: c.madeBy };
}

/**
 * A release that never said how it ended (its incident was terminated while undoing the control):
 * holds stop waiting for it. The control is taken as still in force, so the next holder re-applies it
 * (every step reads the cloud first), and Revoker's change stays on record.
 */
export function abandonRelease(ledger: Ledger, id: string): string | undefined {
  const c = ledger.controls[id];
  const stale = c?.releasing;
  if (c) delete c.releasing;
  return stale;
}

export function recordReleased(ledger: Ledger, { incident, control: id, ok }: ReleasedRequest): void {
  const c = ledger.controls[id];
  if (!c || c.releasing !== incident) return;
  delete c.releasing;
  if (ok) delete c.madeBy;
  prune(ledger, id);
}

/** A control nobody holds and nobody needs to undo leaves the ledger. */
function prune(ledger: Ledger, id: string): void {
  const c = ledger.controls[id];
  if (c && !c.holders.length && !c.releasing && !c.madeBy) delete ledger.controls[id];
}

/** Nothing is in force and nothing is held: the principal's workflow may end. */
export function isIdle(ledger: Ledger): boolean {
  return Object.keys(ledger.controls).length === 0;
}
