import type { PolicyDocument } from './policy-doc.js';
import { evaluatePolicies, type EvalRequest } from './policy-eval.js';

export type DenyReason = 'explicit-identity' | 'explicit-session' | 'implicit-identity' | 'implicit-session';
export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: DenyReason };

export interface PolicyLayers {
  readonly identity: readonly PolicyDocument[];
  /**
   * Session policies (GetFederationToken/AssumeRole `Policy`). When the layer exists the effective permissions
   * are the intersection with the identity policies; an empty layer therefore grants nothing — which is how a
   * federation token requested without a session policy behaves in AWS.
   */
  readonly session?: readonly PolicyDocument[];
}

export function decide(layers: PolicyLayers, request: EvalRequest): Decision {
  const identity = evaluatePolicies(layers.identity, request);
  const session = layers.session ? evaluatePolicies(layers.session, request) : 'Allow';
  if (identity === 'Deny') return { allowed: false, reason: 'explicit-identity' };
  if (session === 'Deny') return { allowed: false, reason: 'explicit-session' };
  if (identity !== 'Allow') return { allowed: false, reason: 'implicit-identity' };
  if (session !== 'Allow') return { allowed: false, reason: 'implicit-session' };
  return { allowed: true };
}

/** AWS's current AccessDenied wording, which names the kind of policy responsible. */
export function notAuthorizedMessage(callerArn: string, action: string, resource: string, reason?: DenyReason): string {
  const base = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`;
  switch (reason) {
    case 'explicit-identity':
      return `${base} with an explicit deny in an identity-based policy`;
    case 'explicit-session':
      return `${base} with an explicit deny in a session policy`;
    case 'implicit-identity':
      return `${base} because no identity-based policy allows the ${action} action`;
    case 'implicit-session':
      return `${base} because no session policy allows the ${action} action`;
    case undefined:
      return base;
  }
}
