import { randomBytes } from 'node:crypto';
import type { Caller } from './authn.js';
import { RPC_CODE, type GoogleApiError } from './errors.js';
import type { AuditDetails } from './operation-context.js';
import type { MethodInfo, Route } from './routing.js';
import type { GcpState, LogEntry, ServiceAccountRecord } from './state.js';

/**
 * Cloud Audit Logs for the sandbox: every authenticated call to IAM and the IAM Credentials API becomes a LogEntry
 * in the target project's `cloudaudit.googleapis.com%2Factivity` log (ADMIN_WRITE methods) or
 * `cloudaudit.googleapis.com%2Fdata_access` (ADMIN_READ: reads, GenerateAccessToken), with a
 * google.cloud.audit.AuditLog payload as Google writes it (https://cloud.google.com/logging/docs/audit,
 * https://cloud.google.com/iam/docs/audit-logging/examples-service-accounts). Data Access logs are off by default
 * at Google except for BigQuery; the sandbox behaves as a project that enabled them for IAM and IAM Credentials
 * (GenerateAccessToken is recorded only then). Refused calls are logged with their status; calls that did not
 * authenticate, and calls a fault or a quota stopped, are not (they never reached the service).
 */

export const ACTIVITY_LOG = 'cloudaudit.googleapis.com%2Factivity';
export const DATA_ACCESS_LOG = 'cloudaudit.googleapis.com%2Fdata_access';
export const logName = (projectId: string, log: string) => `projects/${projectId}/logs/${log}`;

/** Each project keeps the latest entries only: a sandbox that runs for days stays bounded. */
const MAX_ENTRIES = 20_000;

export interface AuditCall {
  readonly info: MethodInfo;
  readonly caller: Caller;
  readonly route: Route;
  /** The project whose logs get the entry: the one the target lives in. */
  readonly project: GcpState;
  readonly account?: ServiceAccountRecord | undefined;
  readonly details: AuditDetails;
  readonly error?: GoogleApiError | undefined;
  readonly now: Date;
  /** How long Cloud Logging takes to make the entry readable (receiveTimestamp − timestamp). */
  readonly ingestDelayMs: number;
  readonly callerIp?: string | undefined;
  readonly userAgent?: string | undefined;
}

const insertId = () =>
  randomBytes(8)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);

/** IAM names service accounts in audit logs by unique id under the `-` project: `projects/-/serviceAccounts/1234…`. */
function resourceNameOf(call: AuditCall): string {
  if (!call.account) return call.route.resourceName;
  const account = `projects/-/serviceAccounts/${call.account.uniqueId}`;
  return call.route.keyId === undefined ? account : `${account}/keys/${call.route.keyId}`;
}

/** The entry Google writes for the call, as entries.list returns it. */
export function auditEntryOf(call: AuditCall): LogEntry {
  const { info, caller, account, project, error } = call;
  const log = info.permissionType === 'ADMIN_WRITE' ? ACTIVITY_LOG : DATA_ACCESS_LOG;
  const resourceName = resourceNameOf(call);
  const method = info.methodName.split('.').pop() ?? info.methodName;
  const request = call.details.request ?? {
    '@type': `type.googleapis.com/google.iam.admin.v1.${method}Request`,
    name: call.route.resourceName,
  };
  const protoPayload: Record<string, unknown> = {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    status: error ? { code: RPC_CODE[error.status], message: error.status } : {},
    authenticationInfo: {
      principalEmail: caller.email,
      ...(caller.keyName === undefined ? {} : { serviceAccountKeyName: `//iam.googleapis.com/${caller.keyName}` }),
      ...(caller.delegates.length === 0
        ? {}
        : {
            serviceAccountDelegationInfo: caller.delegates.map((email) => ({
              firstPartyPrincipal: { principalEmail: email },
            })),
          }),
      principalSubject: `serviceAccount:${caller.email}`,
    },
    requestMetadata: {
      callerIp: call.callerIp ?? '127.0.0.1',
      ...(call.userAgent ? { callerSuppliedUserAgent: call.userAgent } : {}),
      requestAttributes: { time: call.now.toISOString(), auth: {} },
      destinationAttributes: {},
    },
    serviceName: info.api,
    methodName: info.methodName,
    authorizationInfo: [
      {
        resource: account ? `projects/-/serviceAccounts/${account.uniqueId}` : call.route.resourceName,
        permission: info.permission,
        granted: error?.status !== 'PERMISSION_DENIED',
        resourceAttributes: {},
        permissionType: info.permissionType,
      },
    ],
    resourceName,
    request,
    // Google logs the response of writes (the new key's name, the new policy), never of reads.
    ...(call.details.response && !error ? { response: call.details.response } : {}),
    ...(call.details.serviceData && !error ? { serviceData: call.details.serviceData } : {}),
  };
  const labels: Record<string, string> = account
    ? { email_id: account.email, project_id: project.projectId, unique_id: account.uniqueId }
    : { project_id: project.projectId };
  return {
    protoPayload,
    insertId: insertId(),
    resource: { type: call.route.operation === 'projects.getIamPolicy' ? 'project' : 'service_account', labels },
    timestamp: call.now.toISOString(),
    severity: error ? 'ERROR' : log === ACTIVITY_LOG ? 'NOTICE' : 'INFO',
    logName: logName(project.projectId, log),
    receiveTimestamp: new Date(call.now.getTime() + call.ingestDelayMs).toISOString(),
  };
}

/** Appends the call's entry to its project's audit logs. */
export function recordAudit(call: AuditCall): LogEntry {
  const entry = auditEntryOf(call);
  const { project } = call;
  project.auditLog.push({ seq: project.nextSeq, entry });
  project.nextSeq += 1;
  if (project.auditLog.length > MAX_ENTRIES + MAX_ENTRIES / 10) {
    project.auditLog.splice(0, project.auditLog.length - MAX_ENTRIES);
  }
  return entry;
}
