import { AwsError, type AwsService } from './errors.js';
import type { ReceivedRequest } from './sigv4.js';

export const API_VERSIONS: Record<Exclude<AwsService, 's3'>, string> = { iam: '2010-05-08', sts: '2011-06-15' };

const SCOPE_SERVICE = /Credential=[^/\s,]+\/\d{8}\/[^/\s,]+\/([^/\s,]+)\//;

/**
 * Routes on the service name of the SigV4 credential scope (`.../us-east-1/iam/aws4_request`), which lets one
 * endpoint stand in for iam.amazonaws.com, sts.amazonaws.com and s3. Unsigned requests are guessed from their
 * shape only so that the MissingAuthenticationToken error comes back in the right format.
 */
/** Returns the scope's service name, which may be one this simulator does not implement. */
export function detectService(request: ReceivedRequest): string {
  const header = request.headers['authorization'];
  const scoped = header === undefined ? undefined : SCOPE_SERVICE.exec(header)?.[1];
  if (scoped !== undefined) return scoped;
  const form = `${request.query}&${Buffer.from(request.body).toString('utf8')}`;
  if (/(^|&)Action=/.test(form)) return /(^|&)Version=2011-06-15/.test(form) ? 'sts' : 'iam';
  return 's3';
}

export function isSupportedService(service: string): service is AwsService {
  return service === 'iam' || service === 'sts' || service === 's3';
}

/** Query-protocol parameters may come in the query string, the form body, or both (body wins). */
export function queryParameters(request: ReceivedRequest): URLSearchParams {
  const params = new URLSearchParams(request.query);
  if (request.body.byteLength > 0) {
    for (const [key, value] of new URLSearchParams(Buffer.from(request.body).toString('utf8'))) params.set(key, value);
  }
  return params;
}

/** Returns the operation name: the `Action` parameter for IAM/STS, the REST route for S3. */
export function resolveAction(service: AwsService, request: ReceivedRequest, params: URLSearchParams): string {
  if (service === 's3') {
    if ((request.method === 'GET' || request.method === 'HEAD') && request.path === '/') return 'ListBuckets';
    throw new AwsError('NotImplemented', 'This simulator implements only the S3 ListBuckets operation.', 501);
  }
  const action = params.get('Action');
  if (!action) throw new AwsError('MissingAction', 'Missing Action', 400);
  return action;
}
