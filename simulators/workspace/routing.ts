/** The Directory API methods served, by the names `@googleapis/admin` gives them under `directory_v1`. */
export type DirectoryOperation =
  | 'users.get'
  | 'users.list'
  | 'users.update'
  | 'users.patch'
  | 'users.signOut'
  | 'tokens.list'
  | 'tokens.get'
  | 'tokens.delete';

export type Route =
  | {
      readonly kind: 'directory';
      readonly operation: DirectoryOperation;
      readonly userKey?: string;
      readonly clientId?: string;
    }
  /** The OAuth 2.0 token endpoint (oauth2.googleapis.com/token; the legacy www.googleapis.com/oauth2/v4/token). */
  | { readonly kind: 'token' }
  /** What an app does with a user's token: Gmail's users.getProfile. */
  | { readonly kind: 'gmail.profile'; readonly userId: string }
  /** oauth2.googleapis.com/tokeninfo: is this access token alive, for whom, with which scopes. */
  | { readonly kind: 'tokeninfo' };

const DIRECTORY = '/admin/directory/v1';

const segment = (raw: string) => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
};

/**
 * Maps a request to what serves it. `@googleapis/admin` percent-encodes `{userKey}` and `{clientId}`
 * (`users/maria%40acme.example/tokens/…`); both spellings are accepted.
 */
export function route(method: string, path: string): Route | undefined {
  const verb = method.toUpperCase();
  if (path === '/token' || path === '/oauth2/v4/token') return verb === 'POST' ? { kind: 'token' } : undefined;
  if (path === '/tokeninfo' || path === '/oauth2/v3/tokeninfo') {
    return verb === 'GET' || verb === 'POST' ? { kind: 'tokeninfo' } : undefined;
  }
  const gmail = /^\/gmail\/v1\/users\/([^/]+)\/profile$/.exec(path);
  if (gmail) {
    const userId = segment(gmail[1] ?? '');
    return verb === 'GET' && userId !== undefined ? { kind: 'gmail.profile', userId } : undefined;
  }
  if (!path.startsWith(`${DIRECTORY}/users`)) return undefined;
  const parts = path.slice(`${DIRECTORY}/`.length).split('/').map(segment);
  if (parts.some((part) => part === undefined || part === '')) return undefined;
  const [users, userKey, sub, clientId, extra] = parts as string[];
  if (users !== 'users') return undefined;
  const directory = (operation: DirectoryOperation, ids: { userKey?: string; clientId?: string } = {}): Route => ({
    kind: 'directory',
    operation,
    ...ids,
  });
  if (extra !== undefined) return undefined;
  if (userKey === undefined) return verb === 'GET' ? directory('users.list') : undefined;
  if (sub === undefined) {
    if (verb === 'GET') return directory('users.get', { userKey });
    if (verb === 'PUT') return directory('users.update', { userKey });
    if (verb === 'PATCH') return directory('users.patch', { userKey });
    return undefined;
  }
  if (sub === 'signOut')
    return verb === 'POST' && clientId === undefined ? directory('users.signOut', { userKey }) : undefined;
  if (sub !== 'tokens') return undefined;
  if (clientId === undefined) return verb === 'GET' ? directory('tokens.list', { userKey }) : undefined;
  if (verb === 'GET') return directory('tokens.get', { userKey, clientId });
  if (verb === 'DELETE') return directory('tokens.delete', { userKey, clientId });
  return undefined;
}

/** Whether a Directory method changes anything (its faults may lose the write or the reply). */
export const MUTATING: ReadonlySet<DirectoryOperation> = new Set([
  'users.update',
  'users.patch',
  'users.signOut',
  'tokens.delete',
]);
