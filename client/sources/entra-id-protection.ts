import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import { isGuid, PrincipalCollector } from './entra-principals.js';
import { displayText, fallbackTimestamp, httpUrl } from './alert-fields.js';
import { defineSource, IgnoredAlert, UnmappableAlert } from './source-adapter.js';

// Microsoft Entra ID Protection risk detections as Microsoft Graph returns them, forwarded one per
// request by a poller of GET /identityProtection/riskDetections (users) or
// /identityProtection/servicePrincipalRiskDetections (workload identities):
// https://learn.microsoft.com/graph/api/resources/riskdetection
// https://learn.microsoft.com/graph/api/resources/serviceprincipalriskdetection
// Neither resource names its tenant, so the forwarder adds `tenantId` (on the detection or on the
// page) — the one field here that is not Microsoft's.

/** riskLevel: `hidden` when the tenant's licence does not show it. */
const RiskLevel = z.enum(['low', 'medium', 'high', 'hidden', 'none', 'unknownFutureValue']);
const SEVERITY: Record<z.infer<typeof RiskLevel>, Severity> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  // A level the tenant cannot see, or one added later, is no reason to act faster or slower than usual.
  hidden: 'medium',
  unknownFutureValue: 'medium',
  none: 'low',
};
const RiskState = z.enum([
  'none',
  'confirmedSafe',
  'remediated',
  'dismissed',
  'atRisk',
  'confirmedCompromised',
  'unknownFutureValue',
]);
/**
 * Closed: an administrator confirmed the sign-in safe or dismissed the risk. `remediated` is not closed
 * for a token thief: a password reset leaves access tokens already issued, and tokens obtained without
 * the password, working, so a remediated detection is still contained.
 */
const CLOSED_STATES = new Set<z.infer<typeof RiskState>>(['confirmedSafe', 'dismissed']);

const text = z.string().nullish();
const timestamp = z.iso.datetime({ offset: true });
const tenantId = z.string().refine(isGuid, 'the Entra tenant (directory) id, a GUID').optional();

const RiskDetection = z.looseObject({
  '@odata.type': z.string().optional(),
  id: z.string().min(1).max(256),
  // Display only (the title), like the display names below: a missing one never refuses the detection.
  riskEventType: displayText,
  riskLevel: RiskLevel,
  riskState: RiskState,
  detectedDateTime: timestamp,
  activityDateTime: fallbackTimestamp,
  // riskDetection (a user)
  userId: text,
  userPrincipalName: text,
  userDisplayName: text.catch(undefined),
  // servicePrincipalRiskDetection (a workload identity)
  appId: text,
  servicePrincipalId: text,
  servicePrincipalDisplayName: text.catch(undefined),
  /** A JSON string: `[{"Key": "userAgent", "Value": "…"}, {"Key": "alertUrl", "Value": "…"}]`. */
  additionalInfo: text.catch(undefined),
  tenantId,
});
type RiskDetection = z.infer<typeof RiskDetection>;

/** A Graph collection page (`{"value": [...]}`), as a poller receives it. */
const RiskDetectionPage = z.looseObject({ value: z.array(RiskDetection), tenantId });
type RiskDetectionPage = z.infer<typeof RiskDetectionPage>;

// The single detection first: when both fail at the same depth, its issues are the ones reported.
const EntraIdProtectionPayload = z.union([RiskDetection, RiskDetectionPage]);
type EntraIdProtectionPayload = z.infer<typeof EntraIdProtectionPayload>;

// Both shapes are loose objects (an index signature each), so `in` cannot tell them apart for TypeScript.
function isPage(payload: EntraIdProtectionPayload): payload is RiskDetectionPage {
  return Array.isArray(payload.value);
}

export const entraIdProtection = defineSource({
  name: 'entra-id-protection',
  label: 'Microsoft Entra ID Protection',
  schema: EntraIdProtectionPayload,
  toAlert: (payload: EntraIdProtectionPayload): Alert => {
    if (!isPage(payload)) return fromDetection(payload, payload.tenantId, '');
    const [detection, ...more] = payload.value;
    if (!detection || more.length > 0) {
      throw new UnmappableAlert([
        { field: 'value', message: `post one risk detection per request: this page holds ${payload.value.length}` },
      ]);
    }
    return fromDetection(detection, detection.tenantId ?? payload.tenantId, 'value.0.');
  },
});

function fromDetection(detection: RiskDetection, tenant: string | undefined, at: string): Alert {
  if (CLOSED_STATES.has(detection.riskState)) {
    throw new IgnoredAlert({
      field: `${at}riskState`,
      reason: `Entra ID Protection detection is ${detection.riskState}`,
      alertId: detection.id,
    });
  }
  if (!tenant) {
    throw new UnmappableAlert([
      {
        field: `${at}tenantId`,
        message:
          'Graph does not say which tenant a risk detection is from: add "tenantId" (the directory id) to the body you forward',
      },
    ]);
  }
  const found = new PrincipalCollector();
  const servicePrincipal =
    detection['@odata.type'] === '#microsoft.graph.servicePrincipalRiskDetection' ||
    (!detection.userId && !detection.userPrincipalName && Boolean(detection.appId ?? detection.servicePrincipalId));
  let who: string;
  if (servicePrincipal) {
    who = `app ${detection.servicePrincipalDisplayName ?? detection.appId ?? detection.servicePrincipalId}`;
    // By appId when there is one, as the other sources name applications, so their playbooks merge.
    if (isGuid(detection.appId)) {
      found.add(`${at}appId`, { type: 'entra.servicePrincipal', tenantId: tenant, appId: detection.appId });
    } else if (isGuid(detection.servicePrincipalId)) {
      found.add(`${at}servicePrincipalId`, {
        type: 'entra.servicePrincipal',
        tenantId: tenant,
        objectId: detection.servicePrincipalId,
      });
    }
  } else {
    who = detection.userPrincipalName ?? detection.userDisplayName ?? `user ${detection.userId}`;
    if (isGuid(detection.userId)) {
      found.add(`${at}userId`, { type: 'entra.user', tenantId: tenant, user: detection.userId });
    } else if (detection.userPrincipalName) {
      found.add(`${at}userPrincipalName`, { type: 'entra.user', tenantId: tenant, user: detection.userPrincipalName });
    }
  }
  const principals = found.orRefuse(
    servicePrincipal ? `${at}appId` : `${at}userId`,
    servicePrincipal
      ? 'the detection names no application: neither appId nor servicePrincipalId is a GUID'
      : 'the detection names no user: neither userId (a GUID) nor userPrincipalName is set',
  );
  const link = httpUrl(alertUrlOf(detection.additionalInfo));
  const what = detection.riskEventType ?? 'risk detection';
  return {
    source: 'entra-id-protection',
    id: detection.id,
    title: `Entra ID Protection: ${what} (risk ${detection.riskLevel}) for ${who}`.slice(0, 500),
    severity: SEVERITY[detection.riskLevel],
    observedAt: detection.activityDateTime ?? detection.detectedDateTime,
    ...(link ? { link } : {}),
    principals,
  };
}

const AdditionalInfo = z.array(z.looseObject({ Key: z.string(), Value: z.unknown() }));

/** The `alertUrl` entry of additionalInfo, which some detections carry (a link to the alert behind them). */
function alertUrlOf(additionalInfo: string | null | undefined): string | undefined {
  if (!additionalInfo) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(additionalInfo);
  } catch {
    return undefined;
  }
  const entries = AdditionalInfo.safeParse(parsed);
  const url = entries.success ? entries.data.find((entry) => entry.Key === 'alertUrl')?.Value : undefined;
  return typeof url === 'string' ? url : undefined;
}
