import { z } from 'zod';
import type { Decision, DecisionRequest, Verdict } from '../../domain/decision.js';
import { CliError, EXIT } from './cli-error.js';
import type { PlaybookGateway } from './commands.js';

export interface IdentitySource {
  /** Revoker's HTTP server (REVOKER_PUBLIC_URL), which verifies the token and decides. */
  serverUrl: string;
  /** A JWT from the configured issuer (REVOKER_IDENTITY_TOKEN): who decides. Never printed. */
  token: string;
  /** `--as`, if given: it must name the token's identity, or the server refuses. */
  named?: string;
  /** Whom the kept sign-in names (`revoker login`); absent for REVOKER_IDENTITY_TOKEN, which only the server reads. */
  signedInAs?: string;
  fetch?: typeof fetch;
}

const REQUEST_TIMEOUT_MS = 15_000;
const Answer = z.looseObject({ decision: z.looseObject({}).optional(), error: z.string().optional() });

/**
 * The gateway with decisions made by the person REVOKER_IDENTITY_TOKEN names: they go to Revoker's
 * server (`POST /links/decide`), which verifies the token against the issuer's keys and records
 * the decision as verified; under `trustedIdentities: oidc` the playbook takes no other CLI decision.
 * Reading (status, list) still goes to Temporal directly.
 */
export function withIdentityDecisions<G extends PlaybookGateway>(gateway: G, source: IdentitySource): G {
  const post = source.fetch ?? fetch;
  const url = `${source.serverUrl.replace(/\/+$/, '')}/links/decide`;
  const decide = async (workflowId: string, verdict: Verdict, request: DecisionRequest): Promise<Decision> => {
    const { actions, reason } = request;
    let response: Response;
    try {
      response = await post(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          workflowId,
          verdict,
          actions,
          ...(reason === undefined ? {} : { reason }),
          ...(source.named ? { approver: source.named } : {}),
        }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach Revoker's server at ${source.serverUrl} (REVOKER_PUBLIC_URL): ${(error as Error).name}`,
        EXIT.usage,
        'unreachable',
      );
    }
    const answer = Answer.safeParse(await response.json().catch(() => undefined));
    const why = (answer.success && answer.data.error) || `HTTP ${response.status}`;
    if (response.ok && answer.success && answer.data.decision) return answer.data.decision as unknown as Decision;
    if (response.status === 401 || response.status === 403) {
      throw new CliError(`REVOKER_IDENTITY_TOKEN was not accepted: ${why}`, EXIT.usage, 'usage');
    }
    if (response.status === 409)
      throw new CliError(`the playbook refused the ${verdict}: ${why}`, EXIT.refused, 'refused');
    if (response.status === 410) throw new CliError(why, EXIT.refused, 'not-found');
    throw new CliError(`Revoker's server did not decide: ${why}`, EXIT.usage, 'other');
  };
  return { ...gateway, decide };
}
