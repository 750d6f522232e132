import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  /** Credential scope date, `YYYYMMDD`. */
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** The request exactly as received; header names lower-cased. */
export interface ReceivedRequest {
  readonly method: string;
  /** Raw (still percent-encoded) path. */
  readonly path: string;
  /** Raw query string without the leading `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/**
 * Parses `AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/iam/aws4_request, SignedHeaders=a;b, Signature=hex`.
 * Returns an error description (IncompleteSignature wording) when malformed.
 */
export function parseAuthorization(header: string): ParsedAuthorization | string {
  const [algorithm, ...rest] = header.trim().split(/\s+/);
  if (algorithm !== 'AWS4-HMAC-SHA256') return `Unsupported AWS 'algorithm': '${algorithm ?? ''}'`;
  const fields = new Map<string, string>();
  for (const part of rest.join('').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const missing = [
    credential ? '' : "Authorization header requires 'Credential' parameter.",
    signedHeaders ? '' : "Authorization header requires 'SignedHeaders' parameter.",
    signature ? '' : "Authorization header requires 'Signature' parameter.",
  ].filter(Boolean);
  if (!credential || !signedHeaders || !signature) return missing.join(' ');
  const scope = credential.split('/');
  const [accessKeyId, scopeDate, region, service, terminator] = scope;
  if (scope.length !== 5 || !accessKeyId || !scopeDate || !region || !service || terminator !== 'aws4_request') {
    return `Credential should be scoped to a valid region and service: '${credential}'.`;
  }
  return {
    accessKeyId,
    scopeDate,
    region,
    service,
    signedHeaders: signedHeaders.split(';').map((h) => h.toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

function parseQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  if (raw === '') return query;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    const existing = Object.hasOwn(query, key) ? query[key] : undefined;
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

/**
 * Recomputes the request's signature with the SDK's own signer, restricted to the headers the client signed.
 * S3 is the one service whose canonical path is not URI-encoded a second time.
 */
export async function computeSignature(
  request: ReceivedRequest,
  auth: ParsedAuthorization,
  signingDate: Date,
  secretAccessKey: string,
  sessionToken: string | undefined,
): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const tokenSigned = auth.signedHeaders.includes('x-amz-security-token');
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: {
      accessKeyId: auth.accessKeyId,
      secretAccessKey,
      ...(tokenSigned && sessionToken !== undefined ? { sessionToken } : {}),
    },
    sha256: Sha256,
    uriEscapePath: auth.service !== 's3',
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: request.headers['host'] ?? 'localhost',
      path: request.path,
      query: parseQuery(request.query),
      headers,
      body: request.body,
    },
    {
      signingDate,
      signingRegion: auth.region,
      signingService: auth.service,
      signableHeaders: new Set(auth.signedHeaders),
    },
  );
  const authorization = signed.headers['authorization'] ?? '';
  return /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
}

/** Constant-time comparison so that response timing leaks nothing about the expected signature or token. */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
