import { createHash } from 'node:crypto';
import { authError, type SignedService } from './errors.js';
import { callerForSession, type Caller } from './principal.js';
import {
  computeSignature,
  constantTimeEquals,
  parseAuthorization,
  type ParsedAuthorization,
  type ReceivedRequest,
} from './sigv4.js';
import type { SimState } from './state.js';
import { parseAmzDate } from './time.js';

export interface SignedRequestInfo {
  readonly auth: ParsedAuthorization;
  readonly signingDate: Date;
}

/** Extracts and sanity-checks the SigV4 Authorization header and X-Amz-Date. */
export function readSignature(request: ReceivedRequest, service: SignedService | undefined): SignedRequestInfo {
  const header = request.headers['authorization'];
  if (header === undefined) {
    if (/(^|&)X-Amz-Credential=/i.test(request.query)) {
      throw authError(
        service,
        'malformed',
        'Query-string (presigned) authentication is not supported by this simulator.',
      );
    }
    throw authError(service, 'missing');
  }
  const auth = parseAuthorization(header);
  if (typeof auth === 'string') throw authError(service, 'malformed', auth);
  const amzDate = request.headers['x-amz-date'];
  if (amzDate === undefined) {
    throw authError(
      service,
      'malformed',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) throw authError(service, 'malformed', `Invalid X-Amz-Date '${amzDate}'.`);
  if (!amzDate.startsWith(auth.scopeDate)) {
    throw authError(
      service,
      'signature',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  return { auth, signingDate };
}

const UNHASHED_PAYLOADS = /^(UNSIGNED-PAYLOAD|STREAMING-.*)$/;

/**
 * Resolves the access key to a caller and verifies the signature. Unknown, Inactive or deleted keys and wrong
 * session tokens are rejected before the signature is checked (as AWS does); expired sessions give ExpiredToken.
 * Temporary credentials deliberately survive deactivation or deletion of the key that minted them — real
 * AWS behaviour, and the reason containment also needs a deny policy.
 */
export async function authenticate(
  state: SimState,
  request: ReceivedRequest,
  { auth, signingDate }: SignedRequestInfo,
  service: SignedService,
  now: Date,
): Promise<Caller> {
  let caller: Caller | undefined;
  let secret: string;
  let token: string | undefined;
  const longTerm = state.accessKeys.get(auth.accessKeyId);
  if (longTerm) {
    const user = state.users.get(longTerm.userName);
    if (longTerm.status !== 'Active' || !user) throw authError(service, 'unknown-key');
    caller = { type: 'user', accessKeyId: longTerm.accessKeyId, user };
    secret = longTerm.secretAccessKey;
  } else {
    const session = state.sessions.get(auth.accessKeyId);
    if (!session) throw authError(service, 'unknown-key');
    const presented = request.headers['x-amz-security-token'];
    if (presented === undefined) throw authError(service, service === 's3' ? 'unknown-key' : 'bad-token');
    if (!constantTimeEquals(presented, session.sessionToken)) throw authError(service, 'bad-token');
    if (now.getTime() >= Date.parse(session.expiresAt)) throw authError(service, 'expired');
    caller = callerForSession(state, session);
    if (!caller) throw authError(service, 'bad-token');
    secret = session.secretAccessKey;
    token = session.sessionToken;
  }
  const expected = await computeSignature(request, auth, signingDate, secret, token);
  if (!constantTimeEquals(expected, auth.signature)) throw authError(service, 'signature');
  const declaredHash = request.headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && !UNHASHED_PAYLOADS.test(declaredHash)) {
    const actual = createHash('sha256').update(request.body).digest('hex');
    if (actual !== declaredHash.toLowerCase()) throw authError(service, 'payload-hash');
  }
  return caller;
}
