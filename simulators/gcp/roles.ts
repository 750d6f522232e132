/**
 * Predefined roles, reduced to the permissions this simulator checks (service accounts, their keys and policies,
 * token creation, audit log reads); the real roles hold many more. Sources:
 * https://cloud.google.com/iam/docs/roles-permissions/iam, .../roles-permissions/logging and the basic roles.
 */
const ACCOUNT_READ = ['iam.serviceAccounts.get', 'iam.serviceAccounts.list'];
const ACCOUNT_WRITE = [
  'iam.serviceAccounts.create',
  'iam.serviceAccounts.delete',
  'iam.serviceAccounts.disable',
  'iam.serviceAccounts.enable',
  'iam.serviceAccounts.undelete',
  'iam.serviceAccounts.update',
];
const ACCOUNT_POLICY = ['iam.serviceAccounts.getIamPolicy', 'iam.serviceAccounts.setIamPolicy'];
const KEY_READ = ['iam.serviceAccountKeys.get', 'iam.serviceAccountKeys.list'];
const KEY_WRITE = [
  'iam.serviceAccountKeys.create',
  'iam.serviceAccountKeys.delete',
  'iam.serviceAccountKeys.disable',
  'iam.serviceAccountKeys.enable',
];
const TOKEN_CREATION = [
  'iam.serviceAccounts.getAccessToken',
  'iam.serviceAccounts.getOpenIdToken',
  'iam.serviceAccounts.implicitDelegation',
  'iam.serviceAccounts.signBlob',
  'iam.serviceAccounts.signJwt',
];

/** Admin Activity (and other non-private) logs; Data Access logs are private and need the second permission. */
const LOG_READ = ['logging.logEntries.list'];
/** Reading a project's own allow policy (Resource Manager). */
const PROJECT_POLICY_READ = ['resourcemanager.projects.getIamPolicy'];
const PRIVATE_LOG_READ = ['logging.privateLogEntries.list'];

export const PREDEFINED_ROLES: Readonly<Record<string, readonly string[]>> = {
  'roles/owner': [
    ...ACCOUNT_READ,
    ...ACCOUNT_WRITE,
    ...ACCOUNT_POLICY,
    ...KEY_READ,
    ...KEY_WRITE,
    ...LOG_READ,
    ...PRIVATE_LOG_READ,
    ...PROJECT_POLICY_READ,
  ],
  'roles/editor': [
    ...ACCOUNT_READ,
    ...ACCOUNT_WRITE,
    'iam.serviceAccounts.getIamPolicy',
    ...KEY_READ,
    ...KEY_WRITE,
    ...LOG_READ,
    ...PROJECT_POLICY_READ,
  ],
  'roles/viewer': [
    ...ACCOUNT_READ,
    'iam.serviceAccounts.getIamPolicy',
    ...KEY_READ,
    ...LOG_READ,
    ...PROJECT_POLICY_READ,
  ],
  'roles/iam.serviceAccountAdmin': [...ACCOUNT_READ, ...ACCOUNT_WRITE, ...ACCOUNT_POLICY],
  'roles/iam.serviceAccountKeyAdmin': [...ACCOUNT_READ, ...KEY_READ, ...KEY_WRITE],
  'roles/iam.serviceAccountViewer': [...ACCOUNT_READ, 'iam.serviceAccounts.getIamPolicy', ...KEY_READ],
  'roles/iam.serviceAccountUser': [...ACCOUNT_READ, 'iam.serviceAccounts.actAs'],
  'roles/iam.serviceAccountTokenCreator': TOKEN_CREATION,
  'roles/iam.securityReviewer': [
    'iam.serviceAccounts.list',
    'iam.serviceAccountKeys.list',
    'iam.serviceAccounts.getIamPolicy',
    ...PROJECT_POLICY_READ,
  ],
  // Browse the hierarchy, the projects' allow policies included: what the triage card needs of Resource Manager.
  'roles/browser': PROJECT_POLICY_READ,
  'roles/logging.viewer': LOG_READ,
  'roles/logging.privateLogViewer': [...LOG_READ, ...PRIVATE_LOG_READ],
  // Roles with nothing on IAM, for bystanders in fixtures.
  'roles/bigquery.dataViewer': [],
  'roles/bigquery.dataEditor': [],
  'roles/storage.objectViewer': [],
};

export const CUSTOM_ROLE_NAME = /^(?:projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]|organizations\/\d+)\/roles\/[\w.]{3,64}$/;
