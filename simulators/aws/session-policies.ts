import { AwsError, malformedPolicy, validationError } from './errors.js';
import type { QueryParams } from './params.js';
import { parsePolicyText, PolicyError, type PolicyDocument } from './policy-doc.js';
import { AWS_MANAGED_POLICIES } from './managed-policies.js';
import { storedPolicy } from './policy-cache.js';
import type { SessionRecord } from './state.js';

/** Managed session policies (`PolicyArns`) may be any the simulator knows (managed-policies.ts). */
const MANAGED_POLICIES = AWS_MANAGED_POLICIES;

export interface RequestedSessionPolicies {
  readonly inline?: string;
  readonly arns: readonly string[];
  readonly packedPolicySize?: number;
}

/** Reads `Policy` and `PolicyArns.member.N.arn`, validating them as AWS does before any credentials are issued. */
export function readSessionPolicies(params: QueryParams): RequestedSessionPolicies {
  const inline = params.get('Policy');
  if (inline !== undefined) {
    try {
      parsePolicyText(inline, 'session');
    } catch (error) {
      if (error instanceof PolicyError) throw malformedPolicy(error.message);
      throw error;
    }
  }
  const arns: string[] = [];
  for (let n = 1; params.get(`PolicyArns.member.${n}.arn`) !== undefined; n++) {
    arns.push(params.get(`PolicyArns.member.${n}.arn`) ?? '');
  }
  // AWS quota: at most 10 managed session policies.
  if (arns.length > 10) {
    throw validationError(
      `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
  }
  for (const arn of arns) {
    if (!MANAGED_POLICIES.has(arn)) {
      throw validationError(
        `Policy ${arn} does not exist or is not attachable (the simulator models ${[...MANAGED_POLICIES.keys()].join(', ')}).`,
      );
    }
  }
  if (inline === undefined && arns.length === 0) return { arns };
  // AWS reports the packed (compressed) size of session policies as a percentage of the allowance and
  // rejects requests above 100%; this approximation scales the minified length against 2,048 characters.
  const minified = (inline === undefined ? '' : JSON.stringify(JSON.parse(inline))) + arns.join('');
  const packed = Math.max(1, Math.ceil((minified.length / 2048) * 100));
  if (packed > 100) {
    throw new AwsError(
      'PackedPolicyTooLarge',
      `Packed policy consumes ${packed}% of allotted space, please use smaller policy.`,
      400,
    );
  }
  return { ...(inline === undefined ? {} : { inline }), arns, packedPolicySize: packed };
}

/** The session-policy layer of a session, or undefined when none was passed. */
export function sessionPolicyDocuments(session: SessionRecord): PolicyDocument[] | undefined {
  const arns = session.sessionPolicyArns ?? [];
  if (session.sessionPolicy === undefined && arns.length === 0) return undefined;
  return [
    ...(session.sessionPolicy === undefined ? [] : [storedPolicy(session.sessionPolicy, 'session')]),
    ...arns.map((arn) => storedPolicy(MANAGED_POLICIES.get(arn) ?? '{"Statement":[]}', 'session')),
  ];
}
