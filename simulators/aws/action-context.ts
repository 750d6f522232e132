import type { Decision } from './authz.js';
import type { ContextKeys } from './conditions.js';
import type { Caller } from './principal.js';
import type { QueryParams } from './params.js';
import type { SimState } from './state.js';
import type { XmlObject } from './xml.js';

/** Everything an action handler may touch. Handlers validate fully before mutating state. */
export interface ActionContext {
  /** The account the request is made in: its credentials' own. */
  readonly state: SimState;
  /** Another account this simulator serves (cross-account AssumeRole), in the same view as `state`. */
  account(accountId: string): SimState | undefined;
  readonly caller: Caller;
  /** The caller's ARN as AccessDenied messages quote it. */
  readonly callerArn: string;
  readonly params: QueryParams;
  readonly now: Date;
  /** Region of the SigV4 credential scope. */
  readonly region: string;
  readonly sourceIp?: string;
  /** Global condition keys of this request (aws:TokenIssueTime, aws:PrincipalArn, ...). */
  readonly keys: ContextKeys;
  /** Evaluates the caller's identity (and session) policies without throwing. */
  evaluate(action: string, resource: string): Decision;
  /** Throws AccessDenied unless the caller's policies allow `action` on `resource`. */
  authorize(action: string, resource: string): void;
  /** Records a successful mutation (counted and logged, and persisted to the state file); default in `state`'s account. */
  mutated(action: string, target: string, detail?: string, accountId?: string): void;
}

/** Returns the `<{Action}Result>` content, or undefined for actions whose response has no Result element. */
export type ActionHandler = (ctx: ActionContext) => XmlObject | undefined;
