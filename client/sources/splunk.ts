import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import { principalKey, type Principal } from '../../domain/principal.js';
import {
  gcpKeyName,
  isServiceAccountEmail,
  principalsFromCloudTrailRecord,
  projectOfServiceAccount,
  type Found,
  type Mapped,
} from './cloud-identities.js';
import { digest, httpUrl, isoTime, severityOf, uniquePrincipals } from './alert-fields.js';
import { defineSource, IgnoredAlert, UnmappableAlert, type MissingField } from './source-adapter.js';

/**
 * Splunk's built-in webhook alert action. Its body is fixed: the first result row of the search
 * (every row, one request each, when the alert triggers "For each result"), the search id, the
 * saved search's name, app and owner, and a link to the results. Fields arrive as strings; a
 * multivalue field (`values(…)`, `mvappend`) as an array of strings.
 * https://help.splunk.com/splunk-enterprise/alert-and-respond/alerting-manual/10.0/configure-alert-actions/use-a-webhook-alert-action
 *
 * The action cannot add headers, so the token travels in the URL: `/alerts/splunk?token=…`.
 */
const FieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const SplunkWebhook = z.object({
  result: z.record(z.string(), z.union([FieldValue, z.array(FieldValue)])),
  sid: z.string().min(1),
  // Display only (the title, the link): an odd value is left out, never a refusal.
  search_name: z.string().nullish().catch(undefined),
  results_link: z.string().nullish().catch(undefined),
});
export type SplunkWebhook = z.infer<typeof SplunkWebhook>;

const PRINCIPAL_TYPES = [
  'aws.user',
  'aws.role',
  'aws.accessKey',
  'entra.user',
  'entra.servicePrincipal',
  'gcp.serviceAccount',
  'gcp.key',
] as const satisfies readonly Principal['type'][];
type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** What a result row needs, per principal type, in Revoker's field convention. */
const NEEDS: Record<PrincipalType, string> = {
  'aws.user': 'aws_account_id and aws_user_name (or user)',
  'aws.role': 'aws_account_id and aws_role_name',
  'aws.accessKey': 'aws_account_id and access_key_id',
  'entra.user': 'entra_tenant_id and entra_user (or user): a UPN or object id',
  'entra.servicePrincipal': 'entra_tenant_id and entra_app_id or entra_service_principal_id',
  'gcp.serviceAccount': 'gcp_service_account (and gcp_project_id when it is not the address domain)',
  'gcp.key': 'gcp_key_name (projects/P/serviceAccounts/E/keys/K)',
};

/** Revoker's own identifier fields. When a row has any, the add-on fields below are not read. */
const CONVENTION_IDENTIFIERS = [
  'aws_user_name',
  'aws_role_name',
  'access_key_id',
  'entra_user',
  'entra_app_id',
  'entra_service_principal_id',
  'gcp_service_account',
  'gcp_key_name',
];

const AWS_ACCOUNT = /^\d{12}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UPN_OR_GUID = /^(?:[^@\s]+@[^@\s]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** One result row, read by field name; paths in refusals are `result.<field>`. */
class ResultRow {
  constructor(private readonly fields: SplunkWebhook['result']) {}

  private values(name: string, accept?: RegExp): string[] {
    const raw = this.fields[name];
    const list = Array.isArray(raw) ? raw : [raw];
    const values = list.flatMap((v) => (v === null || v === undefined ? [] : [String(v).trim()])).filter(Boolean);
    return [...new Set(values)].filter((v) => !accept || accept.test(v));
  }

  has(name: string): boolean {
    return this.values(name).length > 0;
  }

  /**
   * The first of `names` with a value (matching `accept`). A field that describes the principal
   * must have one value: which of several accounts a user belongs to is not Revoker's guess.
   */
  one(names: string[], accept?: RegExp): Found | undefined {
    for (const name of names) {
      const values = this.values(name, accept);
      if (values.length > 1) {
        throw new UnmappableAlert([
          {
            field: `result.${name}`,
            message: `has ${values.length} values (${values.slice(0, 3).join(', ')}): give one per result (split rows with mvexpand or stats … by ${name})`,
          },
        ]);
      }
      if (values[0] !== undefined) return { field: `result.${name}`, value: values[0] };
    }
    return undefined;
  }

  /** Every value of the first of `names` that has any: a multivalue identifier names several principals. */
  all(names: string[]): Found[] {
    for (const name of names) {
      const values = this.values(name);
      if (values.length) return values.map((value) => ({ field: `result.${name}`, value }));
    }
    return [];
  }
}

/** Revoker's convention: fields a search `| eval`s. Missing context for a named identifier is refused. */
function conventionPrincipals(row: ResultRow, wanted: PrincipalType | undefined): Mapped {
  const principals: Principal[] = [];
  const issues: MissingField[] = [];
  const want = (type: PrincipalType) => !wanted || wanted === type;
  const missing = (field: string, what: string, named: Found[]) =>
    issues.push({
      field: `result.${field}`,
      message: `missing: ${named[0]!.field.slice('result.'.length)} names ${what}`,
    });

  const awsUsers = want('aws.user')
    ? row.all(wanted === 'aws.user' ? ['aws_user_name', 'user'] : ['aws_user_name'])
    : [];
  const awsRoles = want('aws.role') ? row.all(['aws_role_name']) : [];
  const awsKeys = want('aws.accessKey') ? row.all(['access_key_id']) : [];
  if (awsUsers.length || awsRoles.length || awsKeys.length) {
    const account = (row.one(['aws_account_id']) ?? row.one(['vendor_account'], AWS_ACCOUNT))?.value;
    const named = [...awsUsers, ...awsRoles, ...awsKeys];
    if (!account) {
      missing('aws_account_id', 'an IAM principal, which needs its 12-digit account id', named);
    } else {
      for (const { value } of awsUsers) principals.push({ type: 'aws.user', accountId: account, userName: value });
      for (const { value } of awsRoles) principals.push({ type: 'aws.role', accountId: account, roleName: value });
      for (const { value } of awsKeys) {
        principals.push({ type: 'aws.accessKey', accountId: account, accessKeyId: value });
      }
    }
  }

  const entraUsers = want('entra.user')
    ? row.all(wanted === 'entra.user' ? ['entra_user', 'user'] : ['entra_user'])
    : [];
  const entraApps = want('entra.servicePrincipal') ? row.all(['entra_app_id']) : [];
  const entraSps = want('entra.servicePrincipal') ? row.all(['entra_service_principal_id']) : [];
  if (entraUsers.length || entraApps.length || entraSps.length) {
    const tenantId = (row.one(['entra_tenant_id']) ?? row.one(['tenantId', 'vendor_account'], GUID))?.value;
    if (!tenantId) {
      missing('entra_tenant_id', 'an Entra principal, which needs its tenant id', [
        ...entraUsers,
        ...entraApps,
        ...entraSps,
      ]);
    } else {
      for (const { value } of entraUsers) principals.push({ type: 'entra.user', tenantId, user: value });
      for (const { value } of entraApps) principals.push({ type: 'entra.servicePrincipal', tenantId, appId: value });
      for (const { value } of entraSps) principals.push({ type: 'entra.servicePrincipal', tenantId, objectId: value });
    }
  }

  if (want('gcp.serviceAccount')) {
    const project = row.one(['gcp_project_id'])?.value;
    for (const email of row.all(['gcp_service_account'])) {
      const projectId = project ?? projectOfServiceAccount(email.value);
      if (projectId) principals.push({ type: 'gcp.serviceAccount', projectId, email: email.value });
      else missing('gcp_project_id', 'a service account outside *.iam.gserviceaccount.com', [email]);
    }
  }
  if (want('gcp.key')) {
    for (const { value } of row.all(['gcp_key_name'])) principals.push({ type: 'gcp.key', keyName: gcpKeyName(value) });
  }
  return { principals, issues };
}

/**
 * Field names a standard search already has, so a team needs few evals: CloudTrail as the Splunk
 * Add-on for AWS extracts it (`userIdentity.*`, `eventName`, `responseElements.*`) and its CIM aliases (`user_arn`, `user_type`,
 * `user_name`, `aws_account_id`, `vendor_account`); Entra sign-in logs from Azure Monitor
 * (`tenantId`, `properties.userPrincipalName`, `properties.servicePrincipalId`); Cloud Audit Logs
 * (`protoPayload.authenticationInfo.*`, with the `data.` prefix of the Add-on for Google Cloud's Pub/Sub input).
 */
function recognisedPrincipals(row: ResultRow): Mapped {
  const principals: Principal[] = [];
  const issues: MissingField[] = [];

  const identity = {
    type: row.one(['userIdentity.type', 'user_type']),
    arn: row.one(['userIdentity.arn', 'user_arn']),
    accountId: row.one(['aws_account_id', 'userIdentity.accountId', 'vendor_account'], AWS_ACCOUNT),
    issuerArn: row.one(['userIdentity.sessionContext.sessionIssuer.arn']),
    issuerType: row.one(['userIdentity.sessionContext.sessionIssuer.type']),
    accessKeyId: row.one(['userIdentity.accessKeyId']),
  };
  if (identity.type || identity.arn || identity.accessKeyId || identity.accountId) {
    // `user` is CIM's generic user: an IAM user name only in a row that is about an AWS account.
    const userName = row.one(['userIdentity.userName', 'user_name', ...(identity.accountId ? ['user'] : [])]);
    // The record's own field names (the add-on extracts its JSON as is): the same principals as the
    // record names through /alerts/cloudtrail, the new key of a CreateAccessKey included.
    const aws = principalsFromCloudTrailRecord({
      ...identity,
      userName,
      eventName: row.one(['eventName']),
      requestUserName: row.one(['requestParameters.userName']),
      createdKeyId: row.one(['responseElements.accessKey.accessKeyId']),
      createdKeyUser: row.one(['responseElements.accessKey.userName']),
      recipientAccountId: row.one(['recipientAccountId'], AWS_ACCOUNT),
    });
    principals.push(...aws.principals);
    issues.push(...aws.issues);
  }

  const tenantId = row.one(['entra_tenant_id', 'tenantId', 'vendor_account'], GUID)?.value;
  if (tenantId) {
    const servicePrincipal =
      row.one(['category'])?.value === 'ServicePrincipalSignInLogs'
        ? row.one(['properties.servicePrincipalId'], GUID)
        : undefined;
    const user = row.one(['properties.userPrincipalName', 'userPrincipalName', 'user'], UPN_OR_GUID);
    if (servicePrincipal) {
      principals.push({ type: 'entra.servicePrincipal', tenantId, objectId: servicePrincipal.value });
    } else if (user) principals.push({ type: 'entra.user', tenantId, user: user.value });
  }

  // The key when the call was signed with one (the stolen credential), else the account itself.
  const key = row.one([
    'data.protoPayload.authenticationInfo.serviceAccountKeyName',
    'protoPayload.authenticationInfo.serviceAccountKeyName',
  ]);
  const email = row.one(
    ['data.protoPayload.authenticationInfo.principalEmail', 'protoPayload.authenticationInfo.principalEmail'],
    /\.iam\.gserviceaccount\.com$/,
  );
  if (key) principals.push({ type: 'gcp.key', keyName: gcpKeyName(key.value) });
  else if (email && isServiceAccountEmail(email.value)) {
    principals.push({
      type: 'gcp.serviceAccount',
      projectId: projectOfServiceAccount(email.value)!,
      email: email.value,
    });
  }
  return { principals, issues };
}

function principalsOf(row: ResultRow): Principal[] {
  const typeField = row.one(['revoker_principal_type']);
  const wanted = typeField?.value as PrincipalType | undefined;
  if (typeField && !PRINCIPAL_TYPES.includes(wanted!)) {
    throw new UnmappableAlert([
      {
        field: typeField.field,
        message: `"${typeField.value}" is not a principal type: one of ${PRINCIPAL_TYPES.join(', ')}`,
      },
    ]);
  }

  const byConvention = CONVENTION_IDENTIFIERS.some((name) => row.has(name)) || wanted;
  let mapped = byConvention ? conventionPrincipals(row, wanted) : { principals: [], issues: [] };
  // Revoker's fields are deliberate, so any problem with them is refused; the add-on fields are a
  // best effort, so what they do name is used.
  if (mapped.issues.length) throw new UnmappableAlert(mapped.issues);
  if (!mapped.principals.length) {
    const recognised = recognisedPrincipals(row);
    mapped = { ...recognised, principals: recognised.principals.filter((p) => !wanted || p.type === wanted) };
  }
  const principals = uniquePrincipals(mapped.principals);
  if (principals.length) return principals;

  if (wanted) {
    throw new UnmappableAlert([
      { field: typeField!.field, message: `is ${wanted}, so the result needs ${NEEDS[wanted]}` },
      ...mapped.issues,
    ]);
  }
  throw new UnmappableAlert(
    mapped.issues.length
      ? mapped.issues
      : [
          {
            field: 'result.revoker_principal_type',
            message:
              'this result names no principal Revoker can contain: | eval revoker_principal_type and its identifiers ' +
              '(aws_account_id with aws_user_name, aws_role_name or access_key_id; entra_tenant_id with entra_user or ' +
              'entra_app_id; gcp_service_account or gcp_key_name), or search CloudTrail, Entra sign-in or Cloud Audit logs',
          },
        ],
  );
}

/** Splunk ES statuses that end a notable's review (reviewstatuses.conf ships Resolved and Closed as the end ones). */
const CLOSED_STATUSES = new Set(['resolved', 'closed']);
/** Splunk ES dispositions that say the notable was no threat ("False Positive - Incorrect Analytic Logic", …). */
const NO_THREAT_DISPOSITION = /^(false|benign) positive\b/i;

/**
 * A row of a search over Splunk ES notables (`` `notable` `` gives each its review status and
 * disposition) that an analyst has closed, resolved or dispositioned as a false or benign positive:
 * nothing to contain. A row without these fields (a plain search) is never closed.
 */
function ignoreClosedNotable(row: ResultRow, sid: string): void {
  const label = row.one(['status_label']) ?? row.one(['status'], /^[a-z][a-z ]*$/i);
  const end = row.one(['status_end'], /^(true|1)$/i);
  const disposition = row.one(['disposition_label'], NO_THREAT_DISPOSITION);
  const closedBy = label && CLOSED_STATUSES.has(label.value.toLowerCase()) ? label : end;
  const by = closedBy ?? disposition;
  if (!by) return;
  const cd = row.one(['_cd'])?.value;
  const alertId = row.one(['revoker_alert_id', 'event_id'])?.value ?? (cd ? `${sid}:${cd}` : undefined);
  throw new IgnoredAlert({
    field: by.field,
    reason: closedBy
      ? `Splunk notable event is ${label?.value ?? 'in an end status'}${disposition ? ` (${disposition.value})` : ''}`
      : `Splunk notable event is dispositioned ${disposition!.value}`,
    ...(alertId ? { alertId } : {}),
  });
}

/** A scheduled search's sid carries its dispatch time: `scheduler__<owner>__<app>__<name>_at_<unix seconds>_<n>`. */
function scheduledAt(sid: string): string | undefined {
  return isoTime(/_at_(\d{9,11})_/.exec(sid)?.[1]);
}

export const splunk = defineSource({
  name: 'splunk',
  label: 'Splunk',
  schema: SplunkWebhook,
  urlToken: true,
  toAlert: (payload): Alert => {
    const row = new ResultRow(payload.result);
    ignoreClosedNotable(row, payload.sid);
    const principals = principalsOf(row);
    // A sid is one run of the search: with "For each result" every row of that run shares it, so the
    // row's own address in the index (`_cd`) tells them apart; rows without one (a `stats` result) are
    // told apart by whom they name. A re-run finding the same event is a new alert, merged into the
    // open playbook for the same principal.
    const rowId =
      row.one(['revoker_alert_id'])?.value ??
      `${payload.sid}:${row.one(['_cd'])?.value ?? digest(...principals.map(principalKey))}`;
    // Unset or not a level (Splunk ES's "unknown"): medium, which the default policy sends for approval.
    const severity: Severity =
      severityOf(row.one(['severity'])?.value) ?? severityOf(row.one(['urgency'])?.value) ?? 'medium';
    const link = httpUrl(payload.results_link ?? undefined);
    return {
      source: 'splunk',
      id: rowId,
      title: (row.one(['revoker_title'])?.value ?? payload.search_name ?? `Splunk search ${payload.sid}`).slice(0, 500),
      severity,
      observedAt: isoTime(row.one(['_time'])?.value) ?? scheduledAt(payload.sid) ?? new Date().toISOString(),
      ...(link ? { link } : {}),
      principals,
    };
  },
});
