import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import type { WorkspacePrincipal } from '../../domain/principal.js';
import { displayText } from './alert-fields.js';
import { pubSubPush } from './pubsub.js';
import { defineSource, IgnoredAlert, UnmappableAlert } from './source-adapter.js';

// Two shapes Google Workspace reports token theft in. Only what the mapping reads is declared.

/**
 * An Alert Center alert (https://developers.google.com/workspace/admin/alertcenter/reference/rest/v1beta1/alerts),
 * as its Pub/Sub notification publishes it. `data` is typed by its `@type`; the user is `data.email`.
 */
const AlertCenterAlert = z.object({
  alertId: z.string().min(1).max(256),
  customerId: z.string().max(64).optional(),
  createTime: z.iso.datetime({ offset: true }),
  startTime: z.iso.datetime({ offset: true }).optional(),
  type: z.string().min(1).max(200),
  source: z.string().max(200).optional(),
  deleted: z.boolean().optional(),
  securityInvestigationToolLink: z.url().max(2048).optional().catch(undefined),
  data: z.object({ '@type': z.string().max(200), email: z.string().max(320).optional() }).loose(),
});
type AlertCenterAlert = z.infer<typeof AlertCenterAlert>;

const Parameter = z.object({
  name: z.string().max(200),
  value: z.string().max(4096).optional(),
  multiValue: z.array(z.string().max(4096)).max(500).optional(),
});

/**
 * A Reports API activity (https://developers.google.com/workspace/admin/reports/v1/reference/activities), as
 * `activities.watch` posts it to a webhook, or a SIEM forwards it: the `token` application's `authorize` event (a
 * user granted an app), or the `login` application's suspicious-login events.
 */
const Activity = z.object({
  kind: z.literal('admin#reports#activity'),
  id: z.object({
    time: z.iso.datetime({ offset: true }),
    uniqueQualifier: z.string().max(64),
    applicationName: z.string().max(64),
    customerId: z.string().max(64).optional(),
  }),
  actor: z.object({ email: z.string().max(320).optional() }).loose(),
  events: z
    .array(z.object({ name: z.string().max(200), parameters: z.array(Parameter).max(200).optional() }))
    .min(1)
    .max(50),
});
type Activity = z.infer<typeof Activity>;

const WorkspacePayload = z.union([
  pubSubPush(AlertCenterAlert, 'Alert Center alert').transform(({ notification, at }) => ({
    kind: 'alert' as const,
    alert: notification,
    at,
  })),
  Activity.transform((activity) => ({ kind: 'activity' as const, activity, at: '' })),
]);
type WorkspacePayload = z.infer<typeof WorkspacePayload>;

/** Alert Center types that name a user whose sessions or password are in other hands, by severity. */
const ACCOUNT_ALERTS: Record<string, Severity> = {
  'Leaked password': 'critical',
  'Suspicious login': 'high',
  'Suspicious login (less secure app)': 'high',
  'Suspicious programmatic login': 'high',
  'Government attack warning': 'critical',
  'Suspicious activity': 'high',
};
/** Reports API login events that say a session is not its user's. */
const LOGIN_EVENTS = new Set(['suspicious_login', 'suspicious_login_less_secure_app', 'suspicious_programmatic_login']);
/** Scopes that hand an app a user's mail or files: granting one to an unvetted app is high severity. */
const SENSITIVE_SCOPE = /^https:\/\/(mail\.google\.com\/|www\.googleapis\.com\/auth\/(gmail\.|drive$|drive\.readonly))/;
const EMAIL = /^[^@\s]+@([a-z0-9.-]+\.[a-z]{2,63})$/i;

/**
 * Google Workspace: Alert Center alerts through a Pub/Sub push subscription (`?token=` in its URL), and Reports
 * API token and login activities posted as they are. A user's account alert contains the user; an app a user
 * granted contains the app, that user first.
 */
export const googleWorkspace = defineSource({
  name: 'google-workspace',
  label: 'Google Workspace',
  schema: WorkspacePayload,
  urlToken: true,
  toAlert: (payload: WorkspacePayload): Alert =>
    payload.kind === 'alert' ? fromAlertCenter(payload.alert, payload.at) : fromActivity(payload.activity),
});

function fromAlertCenter(alert: AlertCenterAlert, at: string): Alert {
  if (alert.deleted) {
    throw new IgnoredAlert({
      field: `${at}deleted`,
      reason: 'the alert was deleted in Alert Center',
      alertId: alert.alertId,
    });
  }
  const severity = ACCOUNT_ALERTS[alert.type];
  if (!severity) {
    throw new UnmappableAlert([
      {
        field: `${at}type`,
        message: `Alert Center's "${alert.type}" names no user or app whose tokens Revoker can contain (it contains ${Object.keys(ACCOUNT_ALERTS).join(', ')})`,
      },
    ]);
  }
  const user = emailOf(alert.data.email, `${at}data.email`);
  return {
    source: 'google-workspace',
    id: alert.alertId,
    title: `${displayText.parse(alert.type) ?? 'Alert Center alert'} (${user})`.slice(0, 500),
    severity,
    observedAt: alert.startTime ?? alert.createTime,
    ...(alert.securityInvestigationToolLink ? { link: alert.securityInvestigationToolLink } : {}),
    principals: [{ type: 'workspace.user', user }],
  };
}

function fromActivity(activity: Activity): Alert {
  const user = emailOf(activity.actor.email, 'actor.email');
  const { applicationName } = activity.id;
  const base = {
    source: 'google-workspace',
    id: `${applicationName}/${activity.id.uniqueQualifier}`,
    observedAt: activity.id.time,
  };
  if (applicationName === 'token') {
    const index = activity.events.findIndex((e) => e.name === 'authorize');
    const event = activity.events[index];
    if (!event) throw unmappable('events', 'a token activity without an "authorize" event grants nothing');
    const param = (name: string) => event.parameters?.find((p) => p.name === name);
    const clientId = param('client_id')?.value;
    if (!clientId) throw unmappable(`events.${index}.parameters`, 'the authorize event names no client_id');
    const scopes = param('scope')?.multiValue ?? [];
    const app = param('app_name')?.value ?? clientId;
    const principal: WorkspacePrincipal = { type: 'workspace.app', domain: domainOf(user), clientId, user };
    return {
      ...base,
      title: `${user} granted ${app} ${scopes.length ? scopes.join(' ') : 'access'}`.slice(0, 500),
      // Mail or files handed to an app: what APT28's OAuth apps asked for. Anything else a responder rates.
      severity: scopes.some((s) => SENSITIVE_SCOPE.test(s)) ? 'high' : 'medium',
      principals: [principal],
    };
  }
  if (applicationName === 'login') {
    const event = activity.events.find((e) => LOGIN_EVENTS.has(e.name));
    if (!event) {
      throw unmappable('events', `no suspicious-login event (${[...LOGIN_EVENTS].join(', ')}): nothing to contain`);
    }
    return {
      ...base,
      title: `${event.name.replace(/_/g, ' ')} of ${user}`,
      severity: 'high',
      principals: [{ type: 'workspace.user', user }],
    };
  }
  throw unmappable(
    'id.applicationName',
    `the ${applicationName} application's activities name no token to contain (token and login do)`,
  );
}

function emailOf(value: string | undefined, field: string): string {
  if (value && EMAIL.test(value)) return value.toLowerCase();
  throw unmappable(field, value ? `${value} is not a user's email` : "the user's email is missing");
}

const domainOf = (email: string) => email.split('@')[1] ?? '';

function unmappable(field: string, message: string): UnmappableAlert {
  return new UnmappableAlert([{ field, message }]);
}
