export type Operation =
  | 'serviceAccounts.get'
  | 'serviceAccounts.disable'
  | 'serviceAccounts.enable'
  | 'keys.list'
  | 'keys.get'
  | 'keys.disable'
  | 'keys.enable'
  | 'keys.delete';

export interface Route {
  readonly operation: Operation;
  /** The `{PROJECT}` segment as sent: a project ID, a project number or `-`. */
  readonly project: string;
  /** The `{EMAIL_ADDRESS or UNIQUE_ID}` segment as sent. */
  readonly account: string;
  readonly keyId?: string;
  /** The resource name as the caller wrote it (without the `:verb`), for error messages. */
  readonly resourceName: string;
}

const ACCOUNT = /^\/v1\/(projects\/([^/:]+)\/serviceAccounts\/([^/:]+))(?::(disable|enable))?$/;
const KEYS = /^\/v1\/(projects\/([^/:]+)\/serviceAccounts\/([^/:]+)\/keys)$/;
const KEY = /^\/v1\/(projects\/([^/:]+)\/serviceAccounts\/([^/:]+)\/keys\/([^/:]+))(?::(disable|enable))?$/;

/**
 * Maps an HTTP method and path to an IAM v1 method. `@googleapis/iam` expands `{+name}` without escaping, so paths
 * arrive as `/v1/projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k:disable`; other clients may escape.
 */
export function route(method: string, rawPath: string): Route | undefined {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
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
    return method === 'GET' ? { operation: 'keys.list', project, account: id, resourceName: name } : undefined;
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
