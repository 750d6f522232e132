export type Operation =
  | 'serviceAccounts.get'
  | 'serviceAccounts.disable'
  | 'serviceAccounts.enable'
  | 'serviceAccounts.getIamPolicy'
  | 'serviceAccounts.setIamPolicy'
  | 'serviceAccounts.generateAccessToken'
  | 'keys.list'
  | 'keys.get'
  | 'keys.create'
  | 'keys.disable'
  | 'keys.enable'
  | 'keys.delete'
  | 'entries.list'
  | 'projects.getIamPolicy';

export type GoogleApi =
  | 'iam.googleapis.com'
  | 'iamcredentials.googleapis.com'
  | 'logging.googleapis.com'
  | 'cloudresourcemanager.googleapis.com';

export interface Route {
  readonly operation: Operation;
  /** The `{PROJECT}` segment as sent: a project ID, a project number or `-` (empty for entries.list). */
  readonly project: string;
  /** The `{EMAIL_ADDRESS or UNIQUE_ID}` segment as sent (empty for entries.list). */
  readonly account: string;
  readonly keyId?: string;
  /** The resource name as the caller wrote it (without the `:verb`), for error messages. */
  readonly resourceName: string;
}

/** Where each method's permission, audit record and API come from. */
export interface MethodInfo {
  readonly api: GoogleApi;
  /** The IAM permission the method checks on its resource. */
  readonly permission: string;
  /** `protoPayload.methodName` in the audit log (https://cloud.google.com/iam/docs/audit-logging). */
  readonly methodName: string;
  /** ADMIN_WRITE calls go to the Admin Activity log, the others to Data Access. */
  readonly permissionType: 'ADMIN_READ' | 'ADMIN_WRITE' | 'DATA_READ';
  /** Changes state (so it sees the current state, and a fault may lose it). */
  readonly mutating: boolean;
}

const iam = (permission: string, method: string, type: 'ADMIN_READ' | 'ADMIN_WRITE'): MethodInfo => ({
  api: 'iam.googleapis.com',
  permission,
  methodName: `google.iam.admin.v1.${method}`,
  permissionType: type,
  mutating: type === 'ADMIN_WRITE',
});

export const METHODS: Readonly<Record<Operation, MethodInfo>> = {
  'serviceAccounts.get': iam('iam.serviceAccounts.get', 'GetServiceAccount', 'ADMIN_READ'),
  'serviceAccounts.disable': iam('iam.serviceAccounts.disable', 'DisableServiceAccount', 'ADMIN_WRITE'),
  'serviceAccounts.enable': iam('iam.serviceAccounts.enable', 'EnableServiceAccount', 'ADMIN_WRITE'),
  'serviceAccounts.getIamPolicy': iam('iam.serviceAccounts.getIamPolicy', 'GetIAMPolicy', 'ADMIN_READ'),
  'serviceAccounts.setIamPolicy': iam('iam.serviceAccounts.setIamPolicy', 'SetIAMPolicy', 'ADMIN_WRITE'),
  'keys.list': iam('iam.serviceAccountKeys.list', 'ListServiceAccountKeys', 'ADMIN_READ'),
  'keys.get': iam('iam.serviceAccountKeys.get', 'GetServiceAccountKey', 'ADMIN_READ'),
  'keys.create': iam('iam.serviceAccountKeys.create', 'CreateServiceAccountKey', 'ADMIN_WRITE'),
  'keys.disable': iam('iam.serviceAccountKeys.disable', 'DisableServiceAccountKey', 'ADMIN_WRITE'),
  'keys.enable': iam('iam.serviceAccountKeys.enable', 'EnableServiceAccountKey', 'ADMIN_WRITE'),
  'keys.delete': iam('iam.serviceAccountKeys.delete', 'DeleteServiceAccountKey', 'ADMIN_WRITE'),
  // Service Account Credentials audit logging: "GenerateAccessToken … Data access … ADMIN_READ"; it changes no
  // resource, but it mints a credential (kept in the state so the token authenticates).
  'serviceAccounts.generateAccessToken': {
    api: 'iamcredentials.googleapis.com',
    permission: 'iam.serviceAccounts.getAccessToken',
    methodName: 'GenerateAccessToken',
    permissionType: 'ADMIN_READ',
    mutating: true,
  },
  // Resource Manager v3's Cloud Audit Logs: "GetIamPolicy … Data access (ADMIN_READ)".
  'projects.getIamPolicy': {
    api: 'cloudresourcemanager.googleapis.com',
    permission: 'resourcemanager.projects.getIamPolicy',
    methodName: 'GetIamPolicy',
    permissionType: 'ADMIN_READ',
    mutating: false,
  },
  'entries.list': {
    api: 'logging.googleapis.com',
    permission: 'logging.logEntries.list',
    methodName: 'google.logging.v2.LoggingServiceV2.ListLogEntries',
    permissionType: 'DATA_READ',
    mutating: false,
  },
};

/** The OAuth scopes that let a token call each API (each API's "Authorization scopes"). */
export const API_SCOPES: Readonly<Record<GoogleApi, readonly string[]>> = {
  'iam.googleapis.com': ['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/iam'],
  'iamcredentials.googleapis.com': [
    'https://www.googleapis.com/auth/cloud-platform',
    'https://www.googleapis.com/auth/iam',
  ],
  'cloudresourcemanager.googleapis.com': [
    'https://www.googleapis.com/auth/cloud-platform',
    'https://www.googleapis.com/auth/cloud-platform.read-only',
  ],
  'logging.googleapis.com': [
    'https://www.googleapis.com/auth/cloud-platform',
    'https://www.googleapis.com/auth/cloud-platform.read-only',
    'https://www.googleapis.com/auth/logging.read',
    'https://www.googleapis.com/auth/logging.admin',
  ],
};

const ACCOUNT =
  /^\/v1\/(projects\/([^/:]+)\/serviceAccounts\/([^/:]+))(?::(disable|enable|getIamPolicy|setIamPolicy|generateAccessToken))?$/;
/** Resource Manager v3: `POST /v3/projects/{projectId or number}:getIamPolicy`. */
const PROJECT_POLICY = /^\/v3\/(projects\/([^/:]+)):getIamPolicy$/;
const KEYS = /^\/v1\/(projects\/([^/:]+)\/serviceAccounts\/([^/:]+)\/keys)$/;
const KEY = /^\/v1\/(projects\/([^/:]+)\/serviceAccounts\/([^/:]+)\/keys\/([^/:]+))(?::(disable|enable))?$/;

/**
 * Maps an HTTP method and path to a method of IAM v1, the IAM Credentials API (served here too, as Google serves it
 * at iamcredentials.googleapis.com) or Cloud Logging v2's entries.list. `@googleapis/iam` expands `{+name}` without
 * escaping, so paths arrive as `/v1/projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k:disable`; other
 * clients may escape.
 */
export function route(method: string, rawPath: string): Route | undefined {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (path === '/v2/entries:list') {
    return method === 'POST' ? { operation: 'entries.list', project: '', account: '', resourceName: '' } : undefined;
  }
  const projectPolicy = PROJECT_POLICY.exec(path);
  if (projectPolicy) {
    const [, name = '', project = ''] = projectPolicy;
    return method === 'POST'
      ? { operation: 'projects.getIamPolicy', project, account: '', resourceName: name }
      : undefined;
  }
  const account = ACCOUNT.exec(path);
  if (account) {
    const [, name = '', project = '', id = '', verb] = account;
    const operation =
      verb === undefined
        ? method === 'GET' && 'serviceAccounts.get'
        : method === 'POST' && (`serviceAccounts.${verb}` as Operation);
    return operation ? { operation, project, account: id, resourceName: name } : undefined;
  }
  const keys = KEYS.exec(path);
  if (keys) {
    const [, name = '', project = '', id = ''] = keys;
    const operation = method === 'GET' ? 'keys.list' : method === 'POST' ? 'keys.create' : undefined;
    return operation ? { operation, project, account: id, resourceName: name } : undefined;
  }
  const key = KEY.exec(path);
  if (key) {
    const [, name = '', project = '', id = '', keyId = '', verb] = key;
    let operation: Operation | undefined;
    if (verb !== undefined) operation = method === 'POST' ? (`keys.${verb}` as Operation) : undefined;
    else if (method === 'GET') operation = 'keys.get';
    else if (method === 'DELETE') operation = 'keys.delete';
    return operation ? { operation, project, account: id, keyId, resourceName: name } : undefined;
  }
  return undefined;
}
