import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import { isGuid, PrincipalCollector, upnOf } from './entra-principals.js';
import { displayText, fallbackTimestamp, httpUrl } from './alert-fields.js';
import { defineSource, IgnoredAlert } from './source-adapter.js';

// Microsoft Sentinel, as a playbook (Logic App) started by an automation rule forwards it: the body
// of the "Microsoft Sentinel incident" trigger, or of the "Microsoft Sentinel alert" trigger.
// https://learn.microsoft.com/azure/sentinel/automation/playbook-triggers-actions
// Incident: the ARM resource (Microsoft.SecurityInsights/incidents) under `object`, its entities in
// `properties.relatedEntities` with ARM's camelCase fields (`kind: "Account"`, `aadUserId`, …).
// Alert: the SecurityAlert schema, its entities in `Entities` with the entity schema's PascalCase
// fields (`Type: "account"`, `AadUserId`, …).
// https://learn.microsoft.com/azure/sentinel/entities-reference

/** IncidentSeverity in the ARM API; the alert trigger's `Severity` has the same values. */
const SentinelSeverity = z.enum(['High', 'Medium', 'Low', 'Informational']);
const SEVERITY: Record<z.infer<typeof SentinelSeverity>, Severity> = {
  High: 'high',
  Medium: 'medium',
  Low: 'low',
  Informational: 'low',
};

const text = z.string().nullish();
const timestamp = z.iso.datetime({ offset: true });
/**
 * CloudApplication's AppId is an integer in the entity schema: a Defender for Cloud Apps catalog id
 * (11161 is Office 365), not an Entra application id. Only a GUID names something Revoker can contain.
 */
const appId = z.union([z.number(), z.string()]).nullish();

const IncidentEntity = z.looseObject({
  kind: z.string(),
  properties: z
    .looseObject({
      accountName: text,
      upnSuffix: text,
      aadTenantId: text,
      aadUserId: text,
      appId,
    })
    .optional(),
});

const Incident = z.looseObject({
  /** The incident's GUID: the same on every update, so a resent incident is recognised. */
  name: z.string().min(1).max(200),
  properties: z.looseObject({
    // Display only, like the incident number and URL: a missing or odd one never refuses the incident.
    title: displayText,
    severity: SentinelSeverity,
    incidentNumber: z.number().optional().catch(undefined),
    incidentUrl: text.catch(undefined),
    /** IncidentStatus: New, Active or Closed; classification and its reason are set on closing. */
    status: text.catch(undefined),
    classification: text.catch(undefined),
    classificationReason: text.catch(undefined),
    createdTimeUtc: timestamp,
    firstActivityTimeUtc: fallbackTimestamp,
    relatedEntities: z.array(IncidentEntity).optional(),
  }),
});

const IncidentTrigger = z.looseObject({
  object: Incident,
});

const AlertEntity = z.looseObject({
  Type: z.string(),
  Name: text,
  UPNSuffix: text,
  AadTenantId: text,
  AadUserId: text,
  AppId: appId,
});

const AlertTrigger = z.looseObject({
  SystemAlertId: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'missing: post the body of the "Microsoft Sentinel incident" trigger (the incident under "object") or of the "Microsoft Sentinel alert" trigger'
          : undefined,
    })
    .min(1)
    .max(200),
  AlertDisplayName: displayText,
  Severity: SentinelSeverity,
  /** AlertStatus: New, InProgress, Resolved, Dismissed or Unknown. */
  Status: text.catch(undefined),
  StartTimeUtc: fallbackTimestamp,
  TimeGenerated: timestamp,
  // The SecurityAlert table calls the portal link AlertLink; Defender for Cloud's schema AlertUri.
  AlertLink: text.catch(undefined),
  AlertUri: text.catch(undefined),
  Entities: z.array(AlertEntity).optional(),
});

// The alert first: when both fail at the same depth (a top-level field) its issues are reported, and
// an incident's are always deeper (under `object`) unless it has no `object` at all.
const SentinelPayload = z.union([AlertTrigger, IncidentTrigger]);
type SentinelPayload = z.infer<typeof SentinelPayload>;

/** One entity, whichever trigger it came in, with the path of each field for error messages. */
interface Entity {
  /** Lower case, without hyphens: `account`, `cloudapplication`, `ip`, … */
  kind: string;
  name?: string | null | undefined;
  upnSuffix?: string | null | undefined;
  tenantId?: string | null | undefined;
  userId?: string | null | undefined;
  appId?: string | number | null | undefined;
  field: (name: 'aadTenantId' | 'aadUserId' | 'appId' | 'name') => string;
}

export const sentinel = defineSource({
  name: 'sentinel',
  label: 'Microsoft Sentinel',
  schema: SentinelPayload,
  toAlert: (payload: SentinelPayload): Alert => (isIncident(payload) ? fromIncident(payload) : fromAlert(payload)),
});

// Both shapes are loose objects (an index signature each), so `in` cannot tell them apart for TypeScript.
function isIncident(payload: SentinelPayload): payload is z.infer<typeof IncidentTrigger> {
  return typeof payload.object === 'object' && payload.object !== null;
}

function fromIncident({ object: incident }: z.infer<typeof IncidentTrigger>): Alert {
  const { properties: p } = incident;
  if (p.status?.toLowerCase() === 'closed') {
    const why = [p.classification, p.classificationReason].filter(Boolean).join(' - ');
    throw new IgnoredAlert({
      field: 'object.properties.status',
      reason: `Sentinel incident is Closed${why ? ` (${why})` : ''}`,
      alertId: incident.name,
    });
  }
  const at = 'object.properties.relatedEntities';
  const entities = (p.relatedEntities ?? []).map(({ kind, properties: e }, i): Entity => ({
    kind: kind.toLowerCase(),
    name: e?.accountName,
    upnSuffix: e?.upnSuffix,
    tenantId: e?.aadTenantId,
    userId: e?.aadUserId,
    appId: e?.appId,
    field: (name) => `${at}.${i}.properties.${name === 'name' ? 'accountName' : name}`,
  }));
  const link = httpUrl(p.incidentUrl);
  return {
    source: 'sentinel',
    id: incident.name,
    title: (p.title ?? `Sentinel incident ${p.incidentNumber ?? incident.name}`).slice(0, 500),
    severity: SEVERITY[p.severity],
    observedAt: p.firstActivityTimeUtc ?? p.createdTimeUtc,
    ...(link ? { link } : {}),
    principals: principalsOf(entities, at, p.relatedEntities?.map((e) => e.kind) ?? []),
  };
}

/** The alert trigger's names for the entity fields an error can point at. */
const ALERT_ENTITY_FIELD = {
  aadTenantId: 'AadTenantId',
  aadUserId: 'AadUserId',
  appId: 'AppId',
  name: 'Name',
} as const;

/** The alert statuses an analyst or the product ends an alert with. */
const CLOSED_ALERT_STATUSES = new Set(['resolved', 'dismissed']);

function fromAlert(alert: z.infer<typeof AlertTrigger>): Alert {
  if (alert.Status && CLOSED_ALERT_STATUSES.has(alert.Status.toLowerCase())) {
    throw new IgnoredAlert({
      field: 'Status',
      reason: `Sentinel alert is ${alert.Status}`,
      alertId: alert.SystemAlertId,
    });
  }
  const entities = (alert.Entities ?? []).map((e, i): Entity => ({
    kind: e.Type.toLowerCase().replace('-', ''),
    name: e.Name,
    upnSuffix: e.UPNSuffix,
    tenantId: e.AadTenantId,
    userId: e.AadUserId,
    appId: e.AppId,
    field: (name) => `Entities.${i}.${ALERT_ENTITY_FIELD[name]}`,
  }));
  const link = httpUrl(alert.AlertLink ?? alert.AlertUri);
  return {
    source: 'sentinel',
    id: alert.SystemAlertId,
    title: (alert.AlertDisplayName ?? `Sentinel alert ${alert.SystemAlertId}`).slice(0, 500),
    severity: SEVERITY[alert.Severity],
    observedAt: alert.StartTimeUtc ?? alert.TimeGenerated,
    ...(link ? { link } : {}),
    principals: principalsOf(entities, 'Entities', alert.Entities?.map((e) => e.Type) ?? []),
  };
}

/**
 * Account entities → Entra users (object id, else Name@UPNSuffix, with AadTenantId); CloudApplication
 * entities with a GUID AppId → service principals by appId. Everything else (IP, host, URL, file…)
 * names nothing Revoker can contain.
 */
function principalsOf(entities: Entity[], field: string, kinds: string[]) {
  const found = new PrincipalCollector();
  for (const entity of entities.filter((e) => e.kind === 'account')) {
    const label = entity.name ?? entity.userId ?? 'without a name';
    const user = isGuid(entity.userId) ? entity.userId : upnOf(entity.name, entity.upnSuffix);
    if (!user) {
      found.skip(
        entity.field('aadUserId'),
        `the account ${label} has neither AadUserId nor Name + UPNSuffix: an on-premises or local account is not an Entra user`,
      );
    } else if (!entity.tenantId) {
      found.skip(
        entity.field('aadTenantId'),
        `the account ${label} has no AadTenantId: map it in the analytics rule's entity mapping`,
      );
    } else {
      found.add(entity.field(isGuid(entity.userId) ? 'aadUserId' : 'name'), {
        type: 'entra.user',
        tenantId: entity.tenantId,
        user,
      });
    }
  }
  // A CloudApplication entity carries no tenant: use the accounts' one when they agree on it.
  const tenants = new Set(
    entities.flatMap((e) => (e.kind === 'account' && e.tenantId ? [e.tenantId.toLowerCase()] : [])),
  );
  const [tenantId] = tenants;
  for (const entity of entities.filter((e) => e.kind === 'cloudapplication' && e.appId != null)) {
    if (!isGuid(entity.appId)) {
      found.skip(
        entity.field('appId'),
        `AppId ${entity.appId} is a Defender for Cloud Apps app id (a SaaS app), not an Entra application id`,
      );
    } else if (tenants.size !== 1 || !tenantId) {
      found.skip(
        entity.field('appId'),
        `the application ${entity.appId} has no tenant: no Account entity of this alert names exactly one AadTenantId`,
      );
    } else {
      found.add(entity.field('appId'), { type: 'entra.servicePrincipal', tenantId, appId: entity.appId });
    }
  }
  const listed = kinds.length ? [...new Set(kinds)].join(', ') : 'none';
  return found.orRefuse(
    field,
    `no Entra user or application to contain among the entities (${listed}): an Account entity needs AadUserId or Name + UPNSuffix, and AadTenantId`,
  );
}
