import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import type { Principal } from '../../domain/principal.js';
import {
  gcpKeyName,
  isServiceAccountEmail,
  principalsFromCloudTrailRecord,
  projectOfServiceAccount,
  type Found,
  type Mapped,
} from './cloud-identities.js';
import {
  digest,
  displayText,
  highestSeverity,
  httpUrl,
  isoTime,
  severityOf,
  uniquePrincipals,
} from './alert-fields.js';
import { defineSource, IgnoredAlert, UnmappableAlert, type Ignored, type MissingField } from './source-adapter.js';

/**
 * The body a Kibana Webhook connector sends for an Elastic Security detection rule action: paste it
 * as the action's Body. Kibana renders it with Mustache, escaping every `{{value}}` for a JSON string
 * (https://www.elastic.co/guide/en/kibana/current/rule-action-variables.html); `{{#ParseHjson}}`
 * (Kibana 8.8+) turns the result into strict JSON, so the comma after the last alert is allowed.
 * Inside `{{#context.alerts}}` each name is a field of the alert document (Kibana reads dotted names
 * as paths); each alert object in the body is keyed by those same ECS field names, so a refusal
 * names the ECS field. Works with either action frequency: "For each alert" (one alert per request,
 * recommended) or "Summary of alerts".
 */
export const ELASTIC_WEBHOOK_BODY = `{{#ParseHjson}}
{
  "rule": {
    "id": "{{rule.id}}",
    "name": "{{rule.name}}",
    "rule_id": "{{context.rule.rule_id}}",
    "severity": "{{context.rule.severity}}",
    "space_id": "{{rule.spaceId}}"
  },
  "results_link": "{{context.results_link}}",
  "kibana_base_url": "{{kibanaBaseUrl}}",
  "date": "{{date}}",
  "alerts": [
    {{#context.alerts}}
    {
      "kibana.alert.uuid": "{{kibana.alert.uuid}}",
      "kibana.alert.url": "{{kibana.alert.url}}",
      "kibana.alert.rule.name": "{{kibana.alert.rule.name}}",
      "kibana.alert.severity": "{{kibana.alert.severity}}",
      "kibana.alert.original_time": "{{kibana.alert.original_time}}",
      "kibana.alert.workflow_status": "{{kibana.alert.workflow_status}}",
      "kibana.alert.workflow_reason": "{{kibana.alert.workflow_reason}}",
      "@timestamp": "{{@timestamp}}",
      "cloud.provider": "{{cloud.provider}}",
      "cloud.account.id": "{{cloud.account.id}}",
      "user.name": "{{user.name}}",
      "user.id": "{{user.id}}",
      "event.action": "{{event.action}}",
      "aws.cloudtrail.user_identity.type": "{{aws.cloudtrail.user_identity.type}}",
      "aws.cloudtrail.user_identity.arn": "{{aws.cloudtrail.user_identity.arn}}",
      "aws.cloudtrail.user_identity.access_key_id": "{{aws.cloudtrail.user_identity.access_key_id}}",
      "aws.cloudtrail.user_identity.session_context.session_issuer.type": "{{aws.cloudtrail.user_identity.session_context.session_issuer.type}}",
      "aws.cloudtrail.user_identity.session_context.session_issuer.arn": "{{aws.cloudtrail.user_identity.session_context.session_issuer.arn}}",
      "aws.cloudtrail.recipient_account_id": "{{aws.cloudtrail.recipient_account_id}}",
      "aws.cloudtrail.flattened.request_parameters.userName": "{{aws.cloudtrail.flattened.request_parameters.userName}}",
      "aws.cloudtrail.flattened.response_elements.accessKey.accessKeyId": "{{aws.cloudtrail.flattened.response_elements.accessKey.accessKeyId}}",
      "aws.cloudtrail.flattened.response_elements.accessKey.userName": "{{aws.cloudtrail.flattened.response_elements.accessKey.userName}}",
      "azure.tenant_id": "{{azure.tenant_id}}",
      "azure.signinlogs.category": "{{azure.signinlogs.category}}",
      "azure.signinlogs.properties.user_principal_name": "{{azure.signinlogs.properties.user_principal_name}}",
      "azure.signinlogs.properties.user_id": "{{azure.signinlogs.properties.user_id}}",
      "azure.signinlogs.properties.service_principal_id": "{{azure.signinlogs.properties.service_principal_id}}",
      "azure.signinlogs.properties.app_id": "{{azure.signinlogs.properties.app_id}}",
      "client.user.email": "{{client.user.email}}",
      "gcp.audit.authentication_info.principal_email": "{{gcp.audit.authentication_info.principal_email}}",
      "gcp.audit.authentication_info.service_account_key_name": "{{gcp.audit.authentication_info.service_account_key_name}}"
    },
    {{/context.alerts}}
  ]
}
{{/ParseHjson}}
`;

// The template renders every value as a string (a missing field as ""); a hand-edited template
// may send numbers, booleans or lists with triple braces.
const FieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One alert document, reduced to the ECS fields the template names. */
const ElasticAlert = z.record(z.string(), z.union([FieldValue, z.array(FieldValue)]));

export const ElasticWebhook = z.object({
  rule: z.object({
    id: z.string().min(1),
    // Only the title reads the rule's name: an empty one falls back to the rule id.
    name: displayText,
    severity: z.string().optional().catch(undefined),
  }),
  results_link: z.string().optional().catch(undefined),
  kibana_base_url: z.string().optional().catch(undefined),
  date: z.string().optional().catch(undefined),
  alerts: z.array(ElasticAlert).min(1, 'no alerts: the body must iterate {{#context.alerts}}'),
});
export type ElasticWebhook = z.infer<typeof ElasticWebhook>;
type ElasticAlert = z.infer<typeof ElasticAlert>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function reader(alert: ElasticAlert, at: string) {
  return (field: string): Found | undefined => {
    const raw = alert[field];
    const value = (Array.isArray(raw) ? raw.join(',') : raw === null || raw === undefined ? '' : String(raw)).trim();
    return value ? { field: `${at}.${field}`, value } : undefined;
  };
}

/** The cloud an alert's source event came from: ECS `cloud.provider`, else the integration's own fields. */
function providerOf(alert: ElasticAlert, read: ReturnType<typeof reader>): string | undefined {
  const provider = read('cloud.provider')?.value.toLowerCase();
  if (provider) return provider;
  const filled = (prefix: string) =>
    Object.entries(alert).some(([k, v]) => k.startsWith(prefix) && v !== '' && v !== null);
  if (filled('aws.cloudtrail.')) return 'aws';
  if (filled('azure.')) return 'azure';
  if (filled('gcp.audit.')) return 'gcp';
  return undefined;
}

function principalsOfAlert(alert: ElasticAlert, at: string): Mapped {
  const read = reader(alert, at);
  const provider = providerOf(alert, read);
  const none = (field: string, message: string): Mapped => ({
    principals: [],
    issues: [{ field: `${at}.${field}`, message }],
  });

  switch (provider) {
    case 'aws': {
      // Elastic's AWS integration: https://www.elastic.co/docs/reference/integrations/aws/cloudtrail. Its
      // pipeline renames userIdentity.accountId to cloud.account.id and eventName to event.action, and
      // keeps requestParameters and responseElements as objects under aws.cloudtrail.flattened.
      const prefix = 'aws.cloudtrail.user_identity';
      const mapped = principalsFromCloudTrailRecord({
        type: read(`${prefix}.type`),
        arn: read(`${prefix}.arn`),
        userName: read('user.name'),
        accountId: read('cloud.account.id'),
        issuerArn: read(`${prefix}.session_context.session_issuer.arn`),
        issuerType: read(`${prefix}.session_context.session_issuer.type`),
        accessKeyId: read(`${prefix}.access_key_id`),
        eventName: read('event.action'),
        requestUserName: read('aws.cloudtrail.flattened.request_parameters.userName'),
        createdKeyId: read('aws.cloudtrail.flattened.response_elements.accessKey.accessKeyId'),
        createdKeyUser: read('aws.cloudtrail.flattened.response_elements.accessKey.userName'),
        recipientAccountId: read('aws.cloudtrail.recipient_account_id'),
      });
      if (mapped.principals.length || mapped.issues.length)
        return { principals: mapped.principals, issues: mapped.issues };
      return none(
        `${prefix}.arn`,
        'empty: an AWS alert needs the CloudTrail caller (user_identity.arn, or type and user.name)',
      );
    }
    case 'azure': {
      // Elastic's Azure integration, sign-in logs: https://www.elastic.co/docs/reference/integrations/azure/signinlogs
      const tenant = read('azure.tenant_id');
      if (!tenant) return none('azure.tenant_id', 'empty: an Entra alert needs the tenant');
      const tenantId = tenant.value;
      const category = read('azure.signinlogs.category')?.value;
      if (category === 'ServicePrincipalSignInLogs') {
        const objectId = read('azure.signinlogs.properties.service_principal_id');
        const appId = read('azure.signinlogs.properties.app_id');
        if (objectId)
          return { principals: [{ type: 'entra.servicePrincipal', tenantId, objectId: objectId.value }], issues: [] };
        if (appId)
          return { principals: [{ type: 'entra.servicePrincipal', tenantId, appId: appId.value }], issues: [] };
        return none(
          'azure.signinlogs.properties.service_principal_id',
          'empty: a service principal sign-in names no service principal',
        );
      }
      if (category === 'ManagedIdentitySignInLogs') {
        return none(
          'azure.signinlogs.category',
          'a managed identity sign-in: Revoker does not contain managed identities',
        );
      }
      // user.id is Entra's object id for sign-ins; user.name is only the part before the @.
      const user =
        read('azure.signinlogs.properties.user_principal_name') ??
        read('azure.signinlogs.properties.user_id') ??
        [read('user.id')].find((found) => found && GUID.test(found.value));
      if (!user)
        return none(
          'azure.signinlogs.properties.user_principal_name',
          'empty: an Entra alert needs the user (UPN or object id)',
        );
      return { principals: [{ type: 'entra.user', tenantId, user: user.value }], issues: [] };
    }
    case 'gcp': {
      // Elastic's GCP integration, audit logs: https://www.elastic.co/docs/reference/integrations/gcp/audit
      // The key when the call was signed with one (the stolen credential), else the service account.
      const key = read('gcp.audit.authentication_info.service_account_key_name');
      if (key) return { principals: [{ type: 'gcp.key', keyName: gcpKeyName(key.value) }], issues: [] };
      const email = read('client.user.email') ?? read('gcp.audit.authentication_info.principal_email');
      if (!email) return none('client.user.email', 'empty: a Google Cloud alert needs the caller (principalEmail)');
      if (!isServiceAccountEmail(email.value)) {
        return {
          principals: [],
          issues: [
            {
              field: email.field,
              message: `"${email.value}" is not a service account: Revoker contains service accounts and their keys`,
            },
          ],
        };
      }
      const projectId = projectOfServiceAccount(email.value)!;
      return { principals: [{ type: 'gcp.serviceAccount', projectId, email: email.value }], issues: [] };
    }
    case undefined:
      return none(
        'cloud.provider',
        'empty: the alert names no cloud (aws, azure or gcp) and carries none of their fields',
      );
    default:
      return none('cloud.provider', `"${provider}": Revoker contains principals in aws, azure (Entra ID) and gcp`);
  }
}

/** Kibana gives absolute links only with `server.publicBaseUrl` set; otherwise a path, joined to the base URL if any. */
function linkOf(value: string | undefined, base: string | undefined): string | undefined {
  if (!value) return undefined;
  return httpUrl(value) ?? (base && value.startsWith('/') ? httpUrl(base.replace(/\/+$/, '') + value) : undefined);
}

export const elastic = defineSource({
  name: 'elastic',
  label: 'Elastic Security',
  schema: ElasticWebhook,
  toAlert: (payload): Alert => {
    const principals: Principal[] = [];
    const issues: MissingField[] = [];
    const severities: Severity[] = [];
    const times: string[] = [];
    const closed: Ignored[] = [];
    payload.alerts.forEach((alert, index) => {
      const read = reader(alert, `alerts.${index}`);
      const status = read('kibana.alert.workflow_status');
      // Closed by an analyst: nothing to contain. Acknowledged (or in progress) means someone is
      // working on it, which is no reason to hold containment back.
      if (status?.value.toLowerCase() === 'closed') {
        const why = read('kibana.alert.workflow_reason')?.value;
        const alertId = read('kibana.alert.uuid')?.value;
        closed.push({
          field: status.field,
          reason: `Elastic alert is closed${why ? ` (${why})` : ''}`,
          ...(alertId ? { alertId } : {}),
        });
        return;
      }
      // In a summary, an alert Revoker cannot map does not hold back the ones it can.
      const mapped = principalsOfAlert(alert, `alerts.${index}`);
      principals.push(...mapped.principals);
      issues.push(...mapped.issues);
      const severity = severityOf(read('kibana.alert.severity')?.value);
      if (severity) severities.push(severity);
      const time = isoTime(read('kibana.alert.original_time')?.value) ?? isoTime(read('@timestamp')?.value);
      if (time) times.push(time);
    });
    const [firstClosed] = closed;
    if (firstClosed && closed.length === payload.alerts.length) {
      throw new IgnoredAlert(
        closed.length === 1
          ? firstClosed
          : { field: firstClosed.field, reason: `all ${closed.length} Elastic alerts of the summary are closed` },
      );
    }
    const unique = uniquePrincipals(principals);
    if (!unique.length) throw new UnmappableAlert(issues);

    const only = payload.alerts.length === 1 ? reader(payload.alerts[0]!, 'alerts.0') : undefined;
    const uuids = payload.alerts.map((alert, i) => reader(alert, `alerts.${i}`)('kibana.alert.uuid')?.value ?? '');
    const id =
      only?.('kibana.alert.uuid')?.value ??
      `${payload.rule.id}:${digest(...(uuids.some(Boolean) ? uuids.sort() : [payload.date ?? '', ...unique.map((p) => JSON.stringify(p))]))}`;
    const ruleName = payload.rule.name ?? `Elastic rule ${payload.rule.id}`;
    const title = only
      ? (only('kibana.alert.rule.name')?.value ?? ruleName)
      : `${ruleName} (${payload.alerts.length} alerts)`;
    const link =
      linkOf(only?.('kibana.alert.url')?.value, payload.kibana_base_url) ??
      linkOf(payload.results_link, payload.kibana_base_url);
    return {
      source: 'elastic',
      id,
      title: title.slice(0, 500),
      severity: highestSeverity(severities) ?? severityOf(payload.rule.severity) ?? 'medium',
      observedAt: times.sort()[0] ?? isoTime(payload.date) ?? new Date().toISOString(),
      ...(link ? { link } : {}),
      principals: unique,
    };
  },
});
