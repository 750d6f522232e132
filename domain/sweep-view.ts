import type { FoundRecord, PlaybookStatus } from './report.js';
import { describeWatched } from './sweep-plan.js';
import type { Finding, TimelineEntry } from './sweep.js';

/**
 * The sweep and the watch in plain lines, the same for the CLI's status, the UI's Current Details and the report:
 * what the credentials did (the timeline), what it left behind (the findings) and what became of each, and the
 * watch's state or proof.
 */

/** A finding in a few words. */
export function describeFinding(finding: Finding): string {
  switch (finding.provider) {
    case 'aws': {
      const on = finding.userName ? ` of ${finding.userName}` : finding.roleName ? ` of role ${finding.roleName}` : '';
      switch (finding.kind) {
        case 'aws.access-key':
          return `new access key ${finding.accessKeyId ?? '?'}${on}`;
        case 'aws.user':
          return `new IAM user ${finding.userName ?? '?'}`;
        case 'aws.login-profile':
          return `console password for ${finding.userName ?? '?'}`;
        case 'aws.grant':
          return `${finding.from.action} ${finding.policy ?? ''} to ${finding.userName ?? finding.roleName ?? '?'}`.replace(
            '  ',
            ' ',
          );
        case 'aws.session':
          return `${finding.from.action} session ${finding.accessKeyId ?? ''}${on}`.replace('  ', ' ');
        default:
          return finding.kind;
      }
    }
    case 'entra': {
      const app = `app ${finding.appId ?? finding.applicationId ?? finding.servicePrincipalId ?? '?'}`;
      switch (finding.kind) {
        case 'entra.credential':
          return `new secret or certificate ${finding.credentialName ? `"${finding.credentialName}" ` : ''}on ${app}`;
        case 'entra.federated-credential':
          return `federated credential ${finding.credentialName ? `"${finding.credentialName}" ` : ''}on ${app}: ${finding.issuer ?? '?'} / ${finding.subject ?? '?'}`;
        case 'entra.consent':
          return `${finding.from.action} for ${app}`;
        default:
          return finding.kind;
      }
    }
    case 'gcp':
      switch (finding.kind) {
        case 'gcp.key':
          return `new key ${finding.keyName?.split('/').pop() ?? '?'} of ${finding.email}`;
        case 'gcp.token-creator':
          return `${finding.role ?? 'roles/iam.serviceAccountTokenCreator'} for ${finding.member ?? '?'} on ${finding.email}`;
        case 'gcp.access-token':
          return `access token minted for ${finding.email}`;
        default:
          return finding.kind;
      }
  }
}

const OUTCOME: Record<FoundRecord['outcome'], string> = {
  principal: 'contained as a principal',
  step: 'contained by a step',
  known: 'the incident had it already',
  unplanned: 'not contained',
};

export function describeFound(found: FoundRecord): string {
  const what = OUTCOME[found.outcome];
  const detail = found.outcome === 'unplanned' ? found.note : found.ref;
  return `${describeFinding(found.finding)} — ${what}${detail ? ` (${detail})` : ''}`;
}

/** One timeline entry: when, what, by whom, on what, refused or not. */
export function describeEntry(entry: TimelineEntry): string {
  return `${entry.at}  ${entry.action} by ${entry.by}${entry.target ? ` on ${entry.target}` : ''}${entry.error ? `  [refused: ${entry.error}]` : ''}`;
}

/** The headline when a contained credential was used after its cut-off; undefined otherwise. */
export function watchAlarm(status: PlaybookStatus): string | undefined {
  const watch = status.watch;
  if (!watch?.hitCount) return undefined;
  const worked = watch.hitCount - watch.refusedCount;
  return worked > 0
    ? `CONTAINMENT BREACHED: ${worked} call(s) by contained credentials worked after the cut-off (${watch.refusedCount} refused)`
    : `A contained credential was tried after the cut-off: ${watch.hitCount} call(s), all refused`;
}

/** The sweep and watch sections, as plain lines (`shown` caps the timeline). */
export function sweepLines(status: PlaybookStatus, shown = 15): { heading: string; lines: string[] }[] {
  const sections: { heading: string; lines: string[] }[] = [];
  const { sweep, watch } = status;
  if (sweep) {
    const lines: string[] = [];
    if (sweep.state === 'waiting') lines.push('waits for the first containment');
    else if (sweep.state === 'sweeping') lines.push('reading the audit trails');
    const latest = sweep.reads.filter((r) => r.round === sweep.rounds);
    if (sweep.window) lines.push(`window ${sweep.window.since} – ${sweep.window.until}, ${sweep.rounds} round(s)`);
    for (const read of latest) {
      const what = read.error
        ? `failed: ${read.error}`
        : `${read.events} event(s), ${read.findings} finding(s), ${read.lookups} page(s) read${read.incomplete ? `; incomplete: ${read.incomplete}` : ''}`;
      lines.push(`${read.provider} ${read.scope}: ${what}`);
    }
    sections.push({ heading: `Sweep (${sweep.state})`, lines });
    if (sweep.findingCount) {
      const more = sweep.findingCount - sweep.findings.length;
      sections.push({
        heading: `Found (${sweep.findingCount}): what the credentials left behind`,
        lines: [...sweep.findings.map(describeFound), ...(more > 0 ? [`… and ${more} more`] : [])],
      });
    }
    if (sweep.timelineCount) {
      const entries = sweep.timeline.slice(-shown);
      const before = sweep.timelineCount - entries.length;
      sections.push({
        heading: `Timeline (${sweep.timelineCount}): what the credentials did`,
        lines: [...(before > 0 ? [`… ${before} earlier`] : []), ...entries.map(describeEntry)],
      });
    }
  }
  if (watch) {
    const lines: string[] = [];
    const alarm = watchAlarm(status);
    if (alarm) lines.push(alarm);
    for (const hit of watch.hits.slice(-shown)) {
      lines.push(
        `${hit.entry.at}  ${hit.entry.action} by ${describeWatched(hit.credential)}${hit.refused ? `  [refused: ${hit.entry.error ?? 'denied'}]` : '  [NOT refused]'}`,
      );
    }
    if (watch.proof) lines.push(watch.proof);
    else {
      lines.push(
        `watching ${watch.credentials.length} credential(s) until ${watch.until}, read ${watch.polls} time(s)${watch.lastPolledAt ? `, last at ${watch.lastPolledAt}` : ''}: ${watch.credentials.map((c) => describeWatched(c.credential)).join(', ')}`,
      );
    }
    for (const gap of watch.gaps ?? []) lines.push(`could not read: ${gap}`);
    sections.push({ heading: `Watch (${watch.state})`, lines });
  }
  return sections;
}
