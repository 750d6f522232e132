import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { Alert } from './alert.js';
import { principalKey, providerOf } from './principal.js';

/** Custom search attributes, registered by `npm start` and the test server, so responders filter the workflow list. */
export const RevokerState = defineSearchAttributeKey('RevokerState', SearchAttributeType.KEYWORD);
export const RevokerSeverity = defineSearchAttributeKey('RevokerSeverity', SearchAttributeType.KEYWORD);
export const RevokerProvider = defineSearchAttributeKey('RevokerProvider', SearchAttributeType.KEYWORD_LIST);
export const RevokerPrincipal = defineSearchAttributeKey('RevokerPrincipal', SearchAttributeType.KEYWORD_LIST);
/** The source of the alert that opened the playbook (merged alerts are listed in RevokerAlertId). */
export const RevokerSource = defineSearchAttributeKey('RevokerSource', SearchAttributeType.KEYWORD);
/** Every alert in the playbook as `source:id`, e.g. `RevokerAlertId = 'splunk:A-1234'`. */
export const RevokerAlertId = defineSearchAttributeKey('RevokerAlertId', SearchAttributeType.KEYWORD_LIST);
/**
 * The watch after containment: `watching`, `quiet` (watched to the end, nothing seen) or `used` (a contained
 * credential was used after its cut-off): `RevokerWatch = 'used'` lists the incidents to look at now.
 */
export const RevokerWatch = defineSearchAttributeKey('RevokerWatch', SearchAttributeType.KEYWORD);
/** The incident's short handle (domain/handle.ts), e.g. `RevokerHandle = 'INC-7F3K2Q'`: what responders type and say. */
export const RevokerHandle = defineSearchAttributeKey('RevokerHandle', SearchAttributeType.KEYWORD);

// The dev server (and Temporal's SQL visibility) allows at most 3 KeywordList attributes per namespace.

export function alertRef(alert: { source: string; id: string }): string {
  return `${alert.source}:${alert.id}`;
}

/**
 * Temporal caps one search attribute value at 2 KB (a KeywordList counts as one value), so an alert
 * storm lists its first alerts only; the status and report list them all.
 */
export const MAX_ALERT_REFS_CHARS = 1_500;

/** The `RevokerAlertId` value for these alerts: their refs in order, as many as fit. */
export function alertRefs(alerts: { source: string; id: string }[]): string[] {
  const refs: string[] = [];
  let size = 0;
  for (const ref of new Set(alerts.map(alertRef))) {
    size += ref.length + 3;
    if (size > MAX_ALERT_REFS_CHARS) break;
    refs.push(ref);
  }
  return refs;
}

export const SEARCH_ATTRIBUTES = [
  RevokerState,
  RevokerSeverity,
  RevokerProvider,
  RevokerPrincipal,
  RevokerSource,
  RevokerAlertId,
  RevokerWatch,
  RevokerHandle,
];

/** `--search-attribute Name=Type` arguments for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliType[key.type]}`]);
}

/**
 * What a playbook is filed under from its first moment: set at start by the client and again by the
 * workflow. `tag` turns a principal key into what RevokerPrincipal holds: a keyed hash
 * (connect/payload-codec.ts principalTags) when history is encrypted, so visibility holds no name.
 */
export function initialSearchAttributes(
  alert: Alert,
  tag: (principalKey: string) => string = (key) => key,
): SearchAttributePair[] {
  return [
    { key: RevokerState, value: 'Triage' },
    { key: RevokerSeverity, value: alert.severity },
    { key: RevokerPrincipal, value: [...new Set(alert.principals.map(principalKey))].map(tag) },
    { key: RevokerProvider, value: [...new Set(alert.principals.map(providerOf))] },
    { key: RevokerSource, value: alert.source },
    { key: RevokerAlertId, value: [alertRef(alert)] },
  ];
}

/** A string literal of Temporal's list filter, its quotes and backslashes escaped. */
export function listLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
