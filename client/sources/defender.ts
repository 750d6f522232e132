import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import { isGuid, PrincipalCollector } from './entra-principals.js';
import { displayText, fallbackTimestamp, httpUrl } from './alert-fields.js';
import { defineSource, IgnoredAlert, UnmappableAlert } from './source-adapter.js';

// Microsoft Defender XDR alerts as Microsoft Graph returns them (security alert_v2):
// https://learn.microsoft.com/graph/api/resources/security-alert
// https://learn.microsoft.com/graph/api/resources/security-alertevidence
// Forwarded one per request by a Logic App or a poller; a poller may post the list page it got
// (`GET /security/alerts_v2?$top=1`) as long as it holds exactly one alert, so one request is one
// alert id and one playbook decision.

/** alertSeverity, an evolvable enum: members added later arrive as unknownFutureValue. */
const GraphSeverity = z.enum(['unknown', 'informational', 'low', 'medium', 'high', 'unknownFutureValue']);
const SEVERITY: Record<z.infer<typeof GraphSeverity>, Severity> = {
  informational: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  // An unknown severity is no reason to act faster or slower than on an ordinary alert.
  unknown: 'medium',
  unknownFutureValue: 'medium',
};
const text = z.string().nullish();
const timestamp = z.iso.datetime({ offset: true });

/** microsoft.graph.security.userAccount, on userEvidence and mailboxEvidence (and processEvidence). */
const UserAccount = z.looseObject({
  accountName: text.catch(undefined),
  azureAdUserId: text,
  userPrincipalName: text,
  displayName: text.catch(undefined),
});

/**
 * One evidence item. Only the fields the mapping reads are declared; they mean the same on every
 * evidence type that has them. `appId` is a string (an Entra application id) on
 * oauthApplicationEvidence but an Int64 (a Defender for Cloud Apps catalog id) on cloudApplicationEvidence.
 */
const Evidence = z.looseObject({
  '@odata.type': z.string(),
  userAccount: UserAccount.nullish(),
  upn: text,
  appId: z.union([z.string(), z.number()]).nullish(),
  displayName: text.catch(undefined),
});

const GraphAlert = z.looseObject({
  id: z.string().min(1).max(256),
  // Display only, like the portal link: a missing or odd one never refuses the alert.
  title: displayText,
  severity: GraphSeverity,
  /** alertStatus: unknown, new, inProgress, resolved, unknownFutureValue. */
  status: text.catch(undefined),
  /** alertClassification: unknown, falsePositive, truePositive, informationalExpectedActivity, unknownFutureValue. */
  classification: text.catch(undefined),
  tenantId: z.string().refine(isGuid, 'the Entra tenant id, a GUID'),
  createdDateTime: timestamp,
  firstActivityDateTime: fallbackTimestamp,
  alertWebUrl: text.catch(undefined),
  evidence: z.array(Evidence).nullish(),
});
type GraphAlert = z.infer<typeof GraphAlert>;

/** A Graph collection page (`{"value": [...]}`), as a poller receives it. */
const GraphAlertPage = z.looseObject({ value: z.array(GraphAlert) });

// The single alert first: when both fail at the same depth, its issues are the ones reported.
const DefenderPayload = z.union([GraphAlert, GraphAlertPage]);
type DefenderPayload = z.infer<typeof DefenderPayload>;
type GraphAlertPage = z.infer<typeof GraphAlertPage>;

// Both shapes are loose objects (an index signature each), so `in` cannot tell them apart for TypeScript.
function isPage(payload: DefenderPayload): payload is GraphAlertPage {
  return Array.isArray(payload.value);
}

export const defender = defineSource({
  name: 'defender',
  label: 'Microsoft Defender (Graph alert_v2)',
  schema: DefenderPayload,
  toAlert: (payload: DefenderPayload): Alert => {
    if (!isPage(payload)) return fromAlert(payload, '');
    const [alert, ...more] = payload.value;
    if (!alert || more.length > 0) {
      throw new UnmappableAlert([
        { field: 'value', message: `post one alert per request: this page holds ${payload.value.length}` },
      ]);
    }
    return fromAlert(alert, 'value.0.');
  },
});

const EVIDENCE = '#microsoft.graph.security.';

/** Classifications that say the alert was no threat: a false positive, or expected activity (a benign positive). */
const NO_THREAT = new Set(['falsePositive', 'informationalExpectedActivity']);

/** A resolved alert, or one an analyst classified as no threat while it is still open, needs nothing. */
function ignoreClosed(alert: GraphAlert, at: string): void {
  const { status, classification } = alert;
  const classified = classification && classification !== 'unknown' ? classification : undefined;
  if (status === 'resolved') {
    throw new IgnoredAlert({
      field: `${at}status`,
      reason: `Defender alert is resolved${classified ? ` (${classified})` : ''}`,
      alertId: alert.id,
    });
  }
  if (classified && NO_THREAT.has(classified)) {
    throw new IgnoredAlert({
      field: `${at}classification`,
      reason: `Defender alert is classified ${classified}${status ? ` (status ${status})` : ''}`,
      alertId: alert.id,
    });
  }
}

function fromAlert(alert: GraphAlert, at: string): Alert {
  ignoreClosed(alert, at);
  const found = new PrincipalCollector();
  const evidence = alert.evidence ?? [];
  evidence.forEach((item, i) => {
    const field = `${at}evidence.${i}`;
    switch (item['@odata.type']) {
      case `${EVIDENCE}userEvidence`:
      case `${EVIDENCE}mailboxEvidence`: {
        // Prefer the object id: it survives a rename, and a guest's UPN (`…#EXT#@…`) is not an address.
        const account = item.userAccount;
        const objectId = account?.azureAdUserId;
        const upn = account?.userPrincipalName ?? item.upn;
        if (isGuid(objectId)) {
          found.add(`${field}.userAccount.azureAdUserId`, {
            type: 'entra.user',
            tenantId: alert.tenantId,
            user: objectId,
          });
        } else if (upn) {
          found.add(account?.userPrincipalName ? `${field}.userAccount.userPrincipalName` : `${field}.upn`, {
            type: 'entra.user',
            tenantId: alert.tenantId,
            user: upn,
          });
        } else {
          found.skip(
            `${field}.userAccount`,
            `the user ${account?.accountName ?? account?.displayName ?? '(no name)'} has neither azureAdUserId nor userPrincipalName: not an Entra user`,
          );
        }
        break;
      }
      // objectId here is the application object, not its service principal: name it by appId.
      case `${EVIDENCE}oauthApplicationEvidence`:
      case `${EVIDENCE}cloudApplicationEvidence`:
        if (isGuid(item.appId)) {
          found.add(`${field}.appId`, { type: 'entra.servicePrincipal', tenantId: alert.tenantId, appId: item.appId });
        } else if (item.appId != null) {
          found.skip(
            `${field}.appId`,
            `${item.displayName ?? 'the application'} (${item.appId}) is a Defender for Cloud Apps app id, not an Entra application id`,
          );
        }
        break;
    }
  });
  const kinds = [...new Set(evidence.map((item) => item['@odata.type'].replace(EVIDENCE, '')))];
  const principals = found.orRefuse(
    `${at}evidence`,
    `no Entra user or application to contain among the evidence (${kinds.join(', ') || 'none'}): ` +
      'Revoker contains users (userEvidence, mailboxEvidence) and OAuth applications (oauthApplicationEvidence)',
  );
  const link = httpUrl(alert.alertWebUrl);
  return {
    source: 'defender',
    id: alert.id,
    title: (alert.title ?? `Defender alert ${alert.id}`).slice(0, 500),
    severity: SEVERITY[alert.severity],
    observedAt: alert.firstActivityDateTime ?? alert.createdDateTime,
    ...(link ? { link } : {}),
    principals,
  };
}
