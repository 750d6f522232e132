import { z } from 'zod';
import { principalKey, type Principal, type Provider } from './principal.js';
import { lazySchema } from './lazy-schema.js';
import type { WatchedCredential } from './sweep.js';

// What a step acts on, one shape per kind of target.
export const AwsKeyTarget = lazySchema(() =>
  z.object({ accountId: z.string(), userName: z.string(), accessKeyId: z.string() }),
);
export type AwsKeyTarget = z.infer<typeof AwsKeyTarget>;
export const AwsUserTarget = lazySchema(() => z.object({ accountId: z.string(), userName: z.string() }));
export type AwsUserTarget = z.infer<typeof AwsUserTarget>;
export const AwsRoleTarget = lazySchema(() => z.object({ accountId: z.string(), roleName: z.string() }));
export type AwsRoleTarget = z.infer<typeof AwsRoleTarget>;
export const EntraUserTarget = lazySchema(() =>
  z.object({ tenantId: z.string(), userId: z.string(), userPrincipalName: z.string() }),
);
export type EntraUserTarget = z.infer<typeof EntraUserTarget>;
export const EntraServicePrincipalTarget = lazySchema(() =>
  z.object({
    tenantId: z.string(),
    servicePrincipalId: z.string(),
    appId: z.string(),
    displayName: z.string(),
  }),
);
export type EntraServicePrincipalTarget = z.infer<typeof EntraServicePrincipalTarget>;
/** A federated identity credential on an application object (app registration), as the sweep found it. */
export const EntraFederatedCredentialTarget = lazySchema(() =>
  z.object({
    tenantId: z.string(),
    /** The application object's id (federated credentials live on it, not on the service principal). */
    applicationId: z.string(),
    appId: z.string(),
    credentialId: z.string(),
    name: z.string(),
    issuer: z.string(),
    subject: z.string(),
  }),
);
export type EntraFederatedCredentialTarget = z.infer<typeof EntraFederatedCredentialTarget>;
/** One password (client secret) or certificate credential on an application object. */
export const EntraApplicationSecretTarget = lazySchema(() =>
  z.object({
    tenantId: z.string(),
    applicationId: z.string(),
    appId: z.string(),
    keyId: z.string(),
    displayName: z.string(),
  }),
);
export type EntraApplicationSecretTarget = z.infer<typeof EntraApplicationSecretTarget>;
export const GcpServiceAccountTarget = lazySchema(() => z.object({ projectId: z.string(), email: z.string() }));
export type GcpServiceAccountTarget = z.infer<typeof GcpServiceAccountTarget>;
export const GcpKeyTarget = lazySchema(() => GcpServiceAccountTarget.extend({ keyName: z.string() }));
export type GcpKeyTarget = z.infer<typeof GcpKeyTarget>;
/**
 * One member's grant of a role on a service account's own policy (e.g. roles/iam.serviceAccountTokenCreator), with
 * its condition when the binding has one: what the step removes and, being the copy, what a release puts back.
 */
export const GcpBindingTarget = lazySchema(() =>
  GcpServiceAccountTarget.extend({
    role: z.string(),
    member: z.string(),
    condition: z.object({ title: z.string(), expression: z.string(), description: z.string().optional() }).optional(),
  }),
);
export type GcpBindingTarget = z.infer<typeof GcpBindingTarget>;
export const WorkspaceUserTarget = lazySchema(() => z.object({ domain: z.string(), user: z.string() }));
export type WorkspaceUserTarget = z.infer<typeof WorkspaceUserTarget>;
export const WorkspaceAppTarget = lazySchema(() =>
  z.object({ domain: z.string(), clientId: z.string(), displayText: z.string() }),
);
export type WorkspaceAppTarget = z.infer<typeof WorkspaceAppTarget>;
export const WorkspaceTokenTarget = lazySchema(() => WorkspaceAppTarget.extend({ user: z.string() }));
export type WorkspaceTokenTarget = z.infer<typeof WorkspaceTokenTarget>;
export const KubernetesSecretTarget = lazySchema(() =>
  z.object({
    cluster: z.string(),
    namespace: z.string(),
    serviceAccount: z.string(),
    secret: z.string(),
  }),
);
export type KubernetesSecretTarget = z.infer<typeof KubernetesSecretTarget>;
export const KubernetesPodTarget = lazySchema(() =>
  z.object({
    cluster: z.string(),
    namespace: z.string(),
    serviceAccount: z.string(),
    pod: z.string(),
    /** The Pod as discovered: a Pod re-created under the same name (a new uid) holds new tokens. */
    uid: z.string(),
  }),
);
export type KubernetesPodTarget = z.infer<typeof KubernetesPodTarget>;
export const KubernetesServiceAccountTarget = lazySchema(() =>
  z.object({
    cluster: z.string(),
    namespace: z.string(),
    name: z.string(),
    /** The account as discovered: re-created, it has another uid, and the tokens naming this one are refused. */
    uid: z.string(),
  }),
);
export type KubernetesServiceAccountTarget = z.infer<typeof KubernetesServiceAccountTarget>;
export const KubernetesBindingsTarget = lazySchema(() =>
  z.object({
    cluster: z.string(),
    namespace: z.string(),
    serviceAccount: z.string(),
  }),
);
export type KubernetesBindingsTarget = z.infer<typeof KubernetesBindingsTarget>;

/**
 * When a step runs, for the activities that need a time: `at` is the step's start (the workflow's
 * clock, so a retry or a replay revokes with the same cut-off); `undoAt`, for a release step, is the
 * cut-off of the control it undoes (read only by the kinds that need it).
 */
export interface StepClock {
  at: string;
  undoAt: string;
}

/**
 * What a step leaves behind once it took effect. `lingering` was issued before the step and stays valid for a while
 * (`for`, else the kind's `lingers`): "access tokens issued to the user issued before 05:44:01 stay valid until about
 * 07:14". `remains` stays possible however long one waits. A step of a `cutBy` kind done on the same principal ends
 * what lingers too (the lingering part is left out); one of an `unless` kind makes `remains` moot.
 */
export interface Afterwards<K extends string = string> {
  lingering?: string;
  for?: string;
  cutBy?: K[];
  remains?: string;
  unless?: K[];
  /** What no step of the playbook can change, said once however many steps say it (client certificates). */
  always?: string;
}

type Build<T> = (target: T, clock: StepClock) => unknown;
/**
 * One activity call as data: the activity's name (its Temporal activity type on the provider's task
 * queue) and how its argument is made from the target. Without `args` the argument is the target
 * itself; with `expected`, the target and the state the verification expects. workflows/step.ts checks
 * every name and argument against the provider's activity signatures (domain/ imports no activities).
 */
export interface CallSpec<T> {
  readonly activity: string;
  readonly args?: Build<T>;
  readonly expected?: string;
}

interface KindEntry<P extends Provider, S extends z.ZodType, K extends string> {
  provider: P;
  /** What it acts on: its shape is the target of every action of this kind. */
  target: S;
  /** The stable action id: what it does and to what. */
  id: (target: z.infer<S>) => string;
  /** What it will do, in a sentence a responder can approve. */
  describe: (target: z.infer<S>) => string;
  /** Can a release undo it? */
  reversible: boolean;
  /** Destroys something: never runs without a human decision. */
  destructive: boolean;
  /** What the provider still lets through after the action ran. */
  residualRisk: string;
  /** The residual risk in a few words, for the dry run's table. */
  shortRisk: string;
  /** For a release kind: the containment kind it undoes. */
  undoes?: K;
  /** Done, it makes this (reversible) kind's control on the same target permanent: a deleted key cannot come back. */
  ends?: K;
  /**
   * How long what the step cut can still be used somewhere (a duration: `90m`): the longest life of a token issued
   * before it ran. After containment the watch lasts as long as the longest of the done steps' (policy.sweep).
   */
  lingers?: string;
  /**
   * What stays possible once the step took effect, from what happened (domain/residual.ts): the report's residual
   * risk. Absent for a release kind, whose `residualRisk` says what comes back.
   */
  afterwards?: Afterwards<K>;
  /**
   * Done, the credential is gone for good, and this is how an alert names it: a later incident whose alert names it
   * finds it contained by this one (`Contained (already)`) instead of failing to examine what no longer exists.
   */
  gone?: (target: z.infer<S>) => Principal;
  /** The credential the step cut, as the provider's audit trail names its caller: the watch looks for its use after. */
  cuts?: (target: z.infer<S>) => Omit<WatchedCredential, 'provider'>;
}

/**
 * Declares one action kind. Its type parameters come from the entry (the names of its activities and
 * the `expected` states stay literal), so each call can be checked against its target.
 */
function kind<
  P extends Provider,
  S extends z.ZodType,
  const Act extends CallSpec<z.infer<S>>,
  const Verify extends CallSpec<z.infer<S>>,
  K extends string = never,
>(
  entry: KindEntry<P, S, K> & {
    /** The activity that makes the change (reads first, changes only what differs). */
    act: Act;
    /** The activity that re-reads the provider to prove it; a dry run's read-only half. */
    verify: Verify;
  },
) {
  return entry;
}

const UNREVOCABLE_CERTIFICATES =
  'A client certificate issued to anyone for the cluster cannot be revoked at all (kubernetes/kubernetes#18982): it works until it expires.';

const keyIdOf = (target: GcpKeyTarget) => target.keyName.split('/').pop() ?? '';
/** A binding target in ids and sentences: the member, the role, the account, and the condition's title if any. */
const bindingIdOf = (t: GcpBindingTarget) =>
  `${t.email}/${t.role}/${t.member}${t.condition ? `/${t.condition.title}` : ''}`;
const conditionWords = (t: GcpBindingTarget) => (t.condition ? ` under condition "${t.condition.title}"` : '');
const revocationAt = <T>(target: T, { at }: StepClock) => ({ ...target, issuedBefore: at });
const revocationUndone = <T>(target: T, { undoAt }: StepClock) => ({ ...target, issuedBefore: undoAt });

/**
 * Every action kind, declared once: its id, description, residual risk, provider, reversal, and the
 * activities that act and verify. The planner, release, the ledger, the playbook and the CLI read it;
 * adding a kind is one entry here (and its activities in the provider's file).
 */
// Residual windows: IAM user guide, "Revoking IAM role temporary security credentials" and
// "Comparing the AWS STS API operations" (federation/session tokens outlive key deactivation).
const REGISTRY = {
  'aws.deactivateAccessKey': kind({
    provider: 'aws',
    target: AwsKeyTarget,
    id: (t) => `aws:deactivate-key:${t.accessKeyId}`,
    describe: (t) => `Deactivate access key ${t.accessKeyId} of IAM user ${t.userName} in ${t.accountId}`,
    reversible: true,
    destructive: false,
    shortRisk: 'STS sessions minted from the key live until they expire',
    residualRisk:
      'Temporary credentials already minted from this key (GetSessionToken, GetFederationToken, AssumeRole) stay valid until they expire unless a session deny covers them.',
    lingers: '12h',
    cuts: (t) => ({ scope: t.accountId, kind: 'accessKey', id: t.accessKeyId }),
    afterwards: {
      lingering: 'temporary credentials from the key (GetSessionToken, GetFederationToken, AssumeRole)',
      cutBy: ['aws.denyUserSessions', 'aws.revokeUserSessions'],
      remains: 'The key is deactivated, not deleted: whoever may call iam:UpdateAccessKey can turn it on again.',
      unless: ['aws.deleteAccessKey', 'aws.denyUserSessions'],
    },
    act: { activity: 'deactivateAwsAccessKey' },
    verify: { activity: 'verifyAwsAccessKey', expected: 'Inactive' },
  }),
  'aws.denyUserSessions': kind({
    provider: 'aws',
    target: AwsUserTarget,
    id: (t) => `aws:deny-user-sessions:${t.accountId}/${t.userName}`,
    describe: (t) =>
      `Attach an explicit deny-all inline policy to IAM user ${t.userName} in ${t.accountId}: every request of the user fails, all its keys and GetFederationToken/GetSessionToken sessions included`,
    reversible: true,
    destructive: false,
    shortRisk: 'sessions of roles it assumed are untouched',
    residualRisk:
      "Sessions of roles assumed from this user are the role's, not the user's: contain those roles too. Credentials of the root user cannot be contained this way.",
    cuts: (t) => ({ scope: t.accountId, kind: 'user', id: t.userName }),
    afterwards: {
      remains: "Sessions of roles assumed from this user are the role's, not the user's: contain those roles too.",
    },
    act: { activity: 'denyAwsUserSessions' },
    verify: { activity: 'verifyAwsUserDenied' },
  }),
  'aws.revokeRoleSessions': kind({
    provider: 'aws',
    target: AwsRoleTarget,
    id: (t) => `aws:revoke-role-sessions:${t.accountId}/${t.roleName}`,
    describe: (t) =>
      `Deny every session of IAM role ${t.roleName} in ${t.accountId} issued before now (aws:TokenIssueTime), as AWS's "Revoke active sessions" does`,
    reversible: true,
    destructive: false,
    shortRisk: 'new sessions of the role still work',
    residualRisk:
      'Only sessions issued before the revocation time are denied: whoever can still assume the role can mint new sessions.',
    afterwards: { remains: 'Whoever can still assume the role can mint new sessions.' },
    act: { activity: 'revokeAwsRoleSessions', args: revocationAt },
    verify: { activity: 'verifyAwsRoleSessionsRevoked', args: revocationAt },
  }),
  'aws.deleteAccessKey': kind({
    provider: 'aws',
    target: AwsKeyTarget,
    id: (t) => `aws:delete-key:${t.accessKeyId}`,
    describe: (t) => `Delete access key ${t.accessKeyId} of IAM user ${t.userName} in ${t.accountId} (permanent)`,
    reversible: false,
    destructive: true,
    ends: 'aws.deactivateAccessKey',
    shortRisk: 'none; permanent, workloads need a new key',
    residualRisk: 'None for this key; deletion is permanent, and workloads that used it need a new key.',
    lingers: '12h',
    cuts: (t) => ({ scope: t.accountId, kind: 'accessKey', id: t.accessKeyId }),
    afterwards: {
      lingering: 'temporary credentials from the key (GetSessionToken, GetFederationToken, AssumeRole)',
      cutBy: ['aws.denyUserSessions', 'aws.revokeUserSessions'],
    },
    gone: (t) => ({ type: 'aws.accessKey', accountId: t.accountId, accessKeyId: t.accessKeyId }),
    act: { activity: 'deleteAwsAccessKey' },
    verify: { activity: 'verifyAwsAccessKey', expected: 'deleted' },
  }),
  'aws.revokeUserSessions': kind({
    provider: 'aws',
    target: AwsUserTarget,
    id: (t) => `aws:revoke-user-sessions:${t.accountId}/${t.userName}`,
    describe: (t) =>
      `Deny the sessions of IAM user ${t.userName} in ${t.accountId} issued before now (aws:TokenIssueTime): GetSessionToken/GetFederationToken sessions minted with the stolen key end; the user's other keys and new sessions keep working`,
    reversible: true,
    destructive: false,
    shortRisk: 'sessions minted after containment, and other keys, still work',
    residualRisk:
      "Only the user's sessions issued before containment (GetSessionToken, GetFederationToken) are denied: the user's other access keys keep working, and so do sessions minted after it. Sessions of roles the stolen key assumed are the role's: contain those roles too.",
    afterwards: {
      remains: "Sessions the user mints after the revocation, and the user's other access keys, still work.",
      unless: ['aws.denyUserSessions'],
    },
    act: { activity: 'revokeAwsUserSessions', args: revocationAt },
    verify: { activity: 'verifyAwsUserSessionsRevoked', args: revocationAt },
  }),
  'aws.deleteLoginProfile': kind({
    provider: 'aws',
    target: AwsUserTarget,
    id: (t) => `aws:delete-login-profile:${t.accountId}/${t.userName}`,
    describe: (t) =>
      `Delete the console password (login profile) of IAM user ${t.userName} in ${t.accountId} (permanent)`,
    reversible: false,
    destructive: true,
    shortRisk: 'open console sessions live until they expire',
    residualRisk:
      "No new console sign-ins with the password; console sessions already open last until they expire (up to 12 hours) unless a session deny covers the user. The user's access keys are not touched.",
    lingers: '12h',
    afterwards: {
      lingering: 'console sessions',
      cutBy: ['aws.denyUserSessions', 'aws.revokeUserSessions'],
    },
    act: { activity: 'deleteAwsLoginProfile' },
    verify: { activity: 'verifyAwsLoginProfileDeleted' },
  }),
  // Entra: "Revoke user access in Microsoft Entra ID" and "Continuous access evaluation" (docs).
  'entra.revokeUserSessions': kind({
    provider: 'entra',
    target: EntraUserTarget,
    id: (t) => `entra:revoke-sessions:${t.userId}`,
    describe: (t) =>
      `Revoke every refresh token and session of Entra user ${t.userPrincipalName} (revokeSignInSessions)`,
    reversible: false,
    destructive: false,
    shortRisk: 'issued access tokens live ~1 h (CAE: up to 28 h)',
    residualRisk:
      'Refresh tokens and session cookies are dead, but access tokens already issued stay valid until they expire (about 1 hour; up to 28 hours for CAE-capable clients) unless the resource enforces continuous access evaluation. App-only tokens are not affected.',
    lingers: '90m',
    afterwards: {
      lingering: "the user's access tokens",
      remains:
        'Long-lived tokens of CAE-capable clients (up to 28 hours) end only where the resource enforces continuous access evaluation; app-only tokens are untouched.',
    },
    act: { activity: 'revokeEntraUserSessions', args: (t, { at }) => ({ ...t, at }) },
    verify: { activity: 'verifyEntraUserSessionsRevoked', args: (t, { at }) => ({ ...t, at }) },
  }),
  'entra.disableUser': kind({
    provider: 'entra',
    target: EntraUserTarget,
    id: (t) => `entra:disable-user:${t.userId}`,
    describe: (t) => `Disable sign-in for Entra user ${t.userPrincipalName} (accountEnabled false)`,
    reversible: true,
    destructive: false,
    shortRisk: 'issued access tokens live ~1 h',
    residualRisk:
      'No new sign-ins or tokens; access tokens already issued stay valid until they expire (about 1 hour) at resources that do not enforce continuous access evaluation.',
    lingers: '90m',
    cuts: (t) => ({ scope: t.tenantId, kind: 'user', id: t.userId }),
    afterwards: { lingering: "the user's access tokens" },
    act: { activity: 'disableEntraUser' },
    verify: { activity: 'verifyEntraUserDisabled' },
  }),
  'entra.removeServicePrincipalCredentials': kind({
    provider: 'entra',
    target: EntraServicePrincipalTarget,
    id: (t) => `entra:remove-credentials:${t.servicePrincipalId}`,
    describe: (t) =>
      `Remove every client secret and certificate of the service principal of "${t.displayName}" (app ${t.appId}) (permanent)`,
    reversible: false,
    destructive: true,
    shortRisk: 'app-only tokens live 60-90 min; home-tenant secrets stay',
    residualRisk:
      "App-only access tokens already minted with these credentials stay valid until they expire (60-90 minutes). Credentials on the application object in the app's home tenant are not touched: the owner of a multi-tenant app can add new ones, so also disable the service principal.",
    lingers: '90m',
    cuts: (t) => ({ scope: t.tenantId, kind: 'app', id: t.appId }),
    afterwards: {
      lingering: 'app-only access tokens of the app',
      remains:
        "Credentials on the application object in the app's home tenant are untouched: its owner can add new ones.",
      unless: ['entra.disableServicePrincipal'],
    },
    act: { activity: 'removeEntraServicePrincipalCredentials' },
    verify: { activity: 'verifyEntraServicePrincipalCredentialsRemoved' },
  }),
  'entra.deleteConsentGrants': kind({
    provider: 'entra',
    target: EntraServicePrincipalTarget,
    id: (t) => `entra:delete-grants:${t.servicePrincipalId}`,
    describe: (t) =>
      `Delete every delegated consent grant and application permission of "${t.displayName}" (app ${t.appId}) (permanent)`,
    reversible: false,
    destructive: true,
    shortRisk: 'issued tokens keep the permissions ~1 h; users may consent again',
    residualRisk:
      'No new tokens carry the revoked permissions; access tokens already issued keep them until they expire (about 1 hour). Users can consent again unless user consent is restricted.',
    lingers: '90m',
    afterwards: {
      lingering: 'access tokens with the revoked permissions',
      remains: 'Users can consent to the app again unless user consent is restricted.',
      unless: ['entra.disableServicePrincipal'],
    },
    act: { activity: 'deleteEntraConsentGrants' },
    verify: { activity: 'verifyEntraConsentGrantsDeleted' },
  }),
  'entra.disableServicePrincipal': kind({
    provider: 'entra',
    target: EntraServicePrincipalTarget,
    id: (t) => `entra:disable-service-principal:${t.servicePrincipalId}`,
    describe: (t) => `Disable the service principal of "${t.displayName}" (app ${t.appId}) so it gets no new tokens`,
    reversible: true,
    destructive: false,
    shortRisk: 'issued tokens live 60-90 min',
    residualRisk:
      'No new tokens are issued to the app in this tenant; tokens already issued stay valid until they expire (60-90 minutes).',
    lingers: '90m',
    cuts: (t) => ({ scope: t.tenantId, kind: 'app', id: t.appId }),
    afterwards: { lingering: 'app-only access tokens of the app' },
    act: { activity: 'disableEntraServicePrincipal' },
    verify: { activity: 'verifyEntraServicePrincipalDisabled' },
  }),
  // Entra: "Workload identity federation" (considerations: tokens already exchanged live until they expire) and
  // "Application removePassword" (app-only tokens minted with a removed secret live 60-90 minutes).
  'entra.removeFederatedCredential': kind({
    provider: 'entra',
    target: EntraFederatedCredentialTarget,
    id: (t) => `entra:remove-federated-credential:${t.applicationId}/${t.credentialId}`,
    describe: (t) =>
      `Remove federated credential "${t.name}" (issuer ${t.issuer}, subject ${t.subject}) from the application of app ${t.appId} (permanent)`,
    reversible: false,
    destructive: true,
    shortRisk: 'tokens already exchanged through it live ~1 h',
    residualRisk:
      "The outside workload can no longer exchange its tokens for the app's; access tokens it already got through this credential stay valid until they expire (about 1 hour). The app's other credentials are untouched.",
    lingers: '90m',
    cuts: (t) => ({ scope: t.tenantId, kind: 'key', id: t.credentialId }),
    afterwards: {
      lingering: 'access tokens from the federated credential',
      remains: "The app's other credentials still work.",
      unless: ['entra.disableServicePrincipal'],
    },
    act: { activity: 'removeEntraFederatedCredential' },
    verify: { activity: 'verifyEntraFederatedCredentialRemoved' },
  }),
  'entra.removeApplicationSecret': kind({
    provider: 'entra',
    target: EntraApplicationSecretTarget,
    id: (t) => `entra:remove-application-secret:${t.applicationId}/${t.keyId}`,
    describe: (t) =>
      `Remove credential "${t.displayName}" (key ${t.keyId}) from the application of app ${t.appId} (permanent)`,
    reversible: false,
    destructive: true,
    shortRisk: 'app-only tokens minted with it live 60-90 min',
    residualRisk:
      "App-only access tokens already minted with this credential stay valid until they expire (60-90 minutes). The app's other secrets, certificates and federated credentials still work.",
    lingers: '90m',
    cuts: (t) => ({ scope: t.tenantId, kind: 'key', id: t.keyId }),
    afterwards: {
      lingering: 'app-only access tokens from the credential',
      remains: "The app's other secrets, certificates and federated credentials still work.",
      unless: ['entra.disableServicePrincipal'],
    },
    act: { activity: 'removeEntraApplicationSecret' },
    verify: { activity: 'verifyEntraApplicationSecretRemoved' },
  }),
  // GCP: "Service account credentials" and "Disable service accounts" (IAM docs).
  'gcp.disableKey': kind({
    provider: 'gcp',
    target: GcpKeyTarget,
    id: (t) => `gcp:disable-key:${keyIdOf(t)}`,
    describe: (t) => `Disable key ${keyIdOf(t)} of service account ${t.email}`,
    reversible: true,
    destructive: false,
    shortRisk: 'OAuth tokens minted from the key live ~1 h (up to 12 h)',
    residualRisk:
      'Self-signed JWTs from the key stop at once, but OAuth access tokens already minted with it stay valid until they expire (1 hour by default, up to 12 hours): disable the service account to cut them.',
    lingers: '1h',
    cuts: (t) => ({ scope: t.projectId, kind: 'key', id: t.keyName }),
    afterwards: {
      lingering: 'OAuth access tokens from the key',
      cutBy: ['gcp.disableServiceAccount'],
      remains: 'The key is disabled, not deleted: it can be enabled again.',
      unless: ['gcp.deleteKey', 'gcp.disableServiceAccount'],
    },
    act: { activity: 'disableGcpKey' },
    verify: { activity: 'verifyGcpKey', expected: 'disabled' },
  }),
  'gcp.deleteKey': kind({
    provider: 'gcp',
    target: GcpKeyTarget,
    id: (t) => `gcp:delete-key:${keyIdOf(t)}`,
    describe: (t) => `Delete key ${keyIdOf(t)} of service account ${t.email} (permanent)`,
    reversible: false,
    destructive: true,
    ends: 'gcp.disableKey',
    shortRisk: 'none; permanent, minted tokens live until they expire',
    residualRisk:
      'None for this key; deletion is permanent. Access tokens minted from it before live until they expire unless the service account is disabled.',
    lingers: '1h',
    cuts: (t) => ({ scope: t.projectId, kind: 'key', id: t.keyName }),
    afterwards: { lingering: 'OAuth access tokens from the key', cutBy: ['gcp.disableServiceAccount'] },
    gone: (t) => ({ type: 'gcp.key', keyName: t.keyName }),
    act: { activity: 'deleteGcpKey' },
    verify: { activity: 'verifyGcpKey', expected: 'deleted' },
  }),
  'gcp.disableServiceAccount': kind({
    provider: 'gcp',
    target: GcpServiceAccountTarget,
    id: (t) => `gcp:disable-service-account:${t.email}`,
    describe: (t) => `Disable service account ${t.email}, refusing all its tokens`,
    reversible: true,
    destructive: false,
    shortRisk: 'token creators on it can mint again once re-enabled',
    residualRisk:
      'Its tokens are refused at once and workloads running as it stop. Principals holding roles/iam.serviceAccountTokenCreator on it can mint tokens again once it is re-enabled: review those grants.',
    cuts: (t) => ({ scope: t.projectId, kind: 'serviceAccount', id: t.email }),
    afterwards: {
      remains:
        'Principals holding roles/iam.serviceAccountTokenCreator on the account can mint its tokens again once it is re-enabled.',
      unless: ['gcp.removeTokenCreatorBinding'],
    },
    act: { activity: 'disableGcpServiceAccount' },
    verify: { activity: 'verifyGcpServiceAccountDisabled' },
  }),
  // IAM Credentials: short-lived tokens cannot be revoked; a removed grant stops new ones only ("Create short-lived
  // credentials for a service account"; the lifetime is 1 h, up to 12 h under
  // constraints/iam.allowServiceAccountCredentialLifetimeExtension).
  'gcp.removeTokenCreatorBinding': kind({
    provider: 'gcp',
    target: GcpBindingTarget,
    id: (t) => `gcp:remove-binding:${bindingIdOf(t)}`,
    describe: (t) =>
      `Remove ${t.member} from ${t.role}${conditionWords(t)} on service account ${t.email}, keeping a copy so a release puts it back`,
    reversible: true,
    destructive: false,
    shortRisk: 'tokens it minted live until they expire (1 h, up to 12 h)',
    residualRisk:
      'The member can no longer mint tokens for the account (or do anything else the role allowed on it), but access tokens it already minted stay valid until they expire: 1 hour by default, up to 12 hours where the organization allows longer lifetimes. Disable the service account to cut them.',
    lingers: '1h',
    // The member's own calls, and calls made with tokens it minted (the audit log names it as delegator).
    cuts: (t) => ({ scope: t.projectId, kind: 'serviceAccount', id: t.member.replace(/^[A-Za-z]+:/, '') }),
    afterwards: { lingering: "the member's access tokens for the account", cutBy: ['gcp.disableServiceAccount'] },
    act: { activity: 'removeGcpTokenCreatorBinding' },
    verify: { activity: 'verifyGcpTokenCreatorBindingRemoved' },
  }),
  // Google Workspace (Admin SDK Directory API, through domain-wide delegation). Facts: tokens.delete revokes the
  // user's grant to the app and its refresh tokens; users.signOut ends web and device sessions but not OAuth grants;
  // a suspended user cannot sign in and apps acting for them are refused.
  'workspace.deleteAppToken': kind({
    provider: 'workspace',
    target: WorkspaceTokenTarget,
    id: (t) => `workspace:delete-token:${t.user}/${t.clientId}`,
    describe: (t) => `Delete ${t.user}'s OAuth grant to ${t.displayText} (${t.clientId})`,
    reversible: false,
    destructive: false,
    shortRisk: 'issued access tokens live ≤1 h; the user can grant again',
    residualRisk:
      "The app's refresh token is revoked and its grant removed, but access tokens it already holds may work until they expire (up to an hour), and the user can grant the app again unless it is blocked in Security > API controls.",
    afterwards: {
      lingering: "the app's access tokens",
      for: '1h',
      remains: 'The user can grant the app again unless it is blocked in Security > API controls.',
      unless: ['workspace.suspendUser'],
    },
    act: { activity: 'deleteWorkspaceAppToken' },
    verify: { activity: 'verifyWorkspaceAppTokenDeleted' },
  }),
  'workspace.deleteAppTokensEverywhere': kind({
    provider: 'workspace',
    target: WorkspaceAppTarget,
    id: (t) => `workspace:delete-app-everywhere:${t.domain}/${t.clientId}`,
    describe: (t) => `Delete every user's OAuth grant to ${t.displayText} (${t.clientId}) in ${t.domain} (permanent)`,
    reversible: false,
    destructive: true,
    shortRisk: 'users can grant it again unless it is blocked',
    residualRisk:
      "Every user's grant to the app is removed (each user's tokens read again, page by page, at the act), but access tokens already issued may work up to an hour, and users can grant it again unless an admin blocks the app in Security > API controls.",
    afterwards: {
      lingering: "the app's access tokens",
      for: '1h',
      remains: 'Users can grant the app again unless an admin blocks it in Security > API controls.',
    },
    act: { activity: 'deleteWorkspaceAppTokensEverywhere' },
    verify: { activity: 'verifyWorkspaceAppGoneEverywhere' },
  }),
  'workspace.signOutUser': kind({
    provider: 'workspace',
    target: WorkspaceUserTarget,
    id: (t) => `workspace:sign-out:${t.user}`,
    describe: (t) => `Sign ${t.user} out of every web and device session`,
    reversible: false,
    destructive: false,
    shortRisk: "apps' OAuth grants stay; sign-out cannot be read back",
    residualRisk:
      "Web and device sessions end and must sign in again, but OAuth grants to apps and app passwords stay (delete the apps' tokens), and the Directory API cannot show sessions: the step is verified by the user's record, not by the sessions.",
    afterwards: {
      remains:
        "OAuth grants to apps and app passwords stay; the Directory API cannot show sessions, so the sign-out is verified by the user's record.",
      unless: ['workspace.suspendUser'],
    },
    act: { activity: 'signOutWorkspaceUser' },
    verify: { activity: 'verifyWorkspaceUserSignedOut' },
  }),
  'workspace.suspendUser': kind({
    provider: 'workspace',
    target: WorkspaceUserTarget,
    id: (t) => `workspace:suspend:${t.user}`,
    describe: (t) => `Suspend Workspace user ${t.user}`,
    reversible: true,
    destructive: false,
    shortRisk: 'the user is locked out until released',
    residualRisk:
      'The user cannot sign in and apps acting for them are refused; mail still arrives and data stays. Delegated mailbox access and shared drives are untouched.',
    afterwards: { remains: 'Delegated mailbox access and shared drives are untouched.' },
    act: { activity: 'suspendWorkspaceUser' },
    verify: { activity: 'verifyWorkspaceUserSuspended', expected: 'suspended' },
  }),
  // Kubernetes (facts: a legacy token Secret's token is valid until the Secret is deleted; a bound token names its
  // Pod and service account by uid and is refused once either is gone; client certificates cannot be revoked,
  // kubernetes/kubernetes#18982).
  'kubernetes.deleteTokenSecret': kind({
    provider: 'kubernetes',
    target: KubernetesSecretTarget,
    id: (t) => `kubernetes:delete-token-secret:${t.cluster}/${t.namespace}/${t.secret}`,
    describe: (t) =>
      `Delete the legacy token Secret ${t.secret} of service account ${t.namespace}/${t.serviceAccount} in ${t.cluster}`,
    reversible: false,
    destructive: false,
    shortRisk: "bound tokens of the account's Pods live until they expire",
    residualRisk:
      "The Secret's token is refused at once, but bound tokens of the account's Pods stay valid until they expire (an hour by default, a year for some legacy-compatible ones), and a client certificate issued to anyone cannot be revoked at all (kubernetes/kubernetes#18982).",
    afterwards: {
      always: UNREVOCABLE_CERTIFICATES,
      remains: "Bound tokens of the account's Pods stay valid until they expire (an hour by default).",
      unless: ['kubernetes.recreateServiceAccount'],
    },
    act: { activity: 'deleteKubernetesTokenSecret' },
    verify: { activity: 'verifyKubernetesTokenSecretDeleted' },
  }),
  'kubernetes.deletePod': kind({
    provider: 'kubernetes',
    target: KubernetesPodTarget,
    id: (t) => `kubernetes:delete-pod:${t.cluster}/${t.namespace}/${t.pod}`,
    describe: (t) =>
      `Delete Pod ${t.namespace}/${t.pod} (running as ${t.serviceAccount}) in ${t.cluster}, ending the tokens bound to it; its controller starts a new one (permanent)`,
    reversible: false,
    destructive: true,
    shortRisk: 'the workload restarts; other Pods keep their tokens',
    residualRisk:
      "Tokens bound to this Pod are refused once it is deleted and the workload restarts with new ones; tokens of the account's other Pods, and its legacy Secrets, are untouched.",
    afterwards: {
      always: UNREVOCABLE_CERTIFICATES,
      remains: "Tokens of the account's other Pods, and its legacy token Secrets, still work.",
      unless: ['kubernetes.recreateServiceAccount'],
    },
    act: { activity: 'deleteKubernetesPod' },
    verify: { activity: 'verifyKubernetesPodGone' },
  }),
  'kubernetes.recreateServiceAccount': kind({
    provider: 'kubernetes',
    target: KubernetesServiceAccountTarget,
    id: (t) => `kubernetes:recreate-service-account:${t.cluster}/${t.namespace}/${t.name}`,
    describe: (t) =>
      `Delete and re-create service account ${t.namespace}/${t.name} in ${t.cluster}, so every token of the old one is refused (permanent)`,
    reversible: false,
    destructive: true,
    shortRisk: "workloads' tokens are refused until their Pods restart",
    residualRisk:
      "Every token of the old account (bound or legacy) is refused, and so are its running Pods' until they restart with tokens of the new account; RoleBindings name it by name and keep applying to the new one. Client certificates cannot be revoked (kubernetes/kubernetes#18982).",
    afterwards: {
      always: UNREVOCABLE_CERTIFICATES,
      remains: 'RoleBindings name the account by name and apply to the new one: its new tokens get the same access.',
      unless: ['kubernetes.removeBindings'],
    },
    act: { activity: 'recreateKubernetesServiceAccount' },
    verify: { activity: 'verifyKubernetesServiceAccountRecreated' },
  }),
  'kubernetes.removeBindings': kind({
    provider: 'kubernetes',
    target: KubernetesBindingsTarget,
    id: (t) => `kubernetes:remove-bindings:${t.cluster}/${t.namespace}/${t.serviceAccount}`,
    describe: (t) =>
      `Take service account ${t.namespace}/${t.serviceAccount} out of every RoleBinding and ClusterRoleBinding in ${t.cluster} (a binding it alone is named in is deleted), keeping a copy so a release puts them back`,
    reversible: true,
    destructive: false,
    shortRisk: 'tokens still authenticate; group bindings still apply',
    residualRisk:
      "Every token of the account still authenticates, but gets only what bindings to its groups grant (system:serviceaccounts, system:serviceaccounts:<namespace>, system:authenticated), and the account's own workloads lose their access too. Client certificates cannot be revoked (kubernetes/kubernetes#18982).",
    afterwards: {
      always: UNREVOCABLE_CERTIFICATES,
      remains:
        "The account's tokens still authenticate and get what bindings to its groups grant (system:serviceaccounts, system:authenticated).",
    },
    act: { activity: 'removeKubernetesBindings' },
    verify: { activity: 'verifyKubernetesBindingsRemoved' },
  }),
  // Release after a false positive: each undoes one reversible containment kind (`undoes`).
  'aws.reactivateAccessKey': kind({
    provider: 'aws',
    target: AwsKeyTarget,
    id: (t) => `aws:reactivate-key:${t.accessKeyId}`,
    describe: (t) => `Reactivate access key ${t.accessKeyId} of IAM user ${t.userName} in ${t.accountId}`,
    reversible: false,
    destructive: false,
    undoes: 'aws.deactivateAccessKey',
    shortRisk: 'the key works again',
    residualRisk: 'The key works again for whoever holds it.',
    act: { activity: 'reactivateAwsAccessKey' },
    verify: { activity: 'verifyAwsAccessKey', expected: 'Active' },
  }),
  'aws.removeUserDeny': kind({
    provider: 'aws',
    target: AwsUserTarget,
    id: (t) => `aws:remove-user-deny:${t.accountId}/${t.userName}`,
    describe: (t) => `Remove Revoker's deny-all inline policy from IAM user ${t.userName} in ${t.accountId}`,
    reversible: false,
    destructive: false,
    undoes: 'aws.denyUserSessions',
    shortRisk: "the user's keys and sessions work again",
    residualRisk: "The user's keys and unexpired GetSessionToken/GetFederationToken sessions work again.",
    act: { activity: 'removeAwsUserDeny' },
    verify: { activity: 'verifyAwsUserDenyRemoved' },
  }),
  'aws.removeRoleRevocation': kind({
    provider: 'aws',
    target: AwsRoleTarget,
    id: (t) => `aws:remove-role-revocation:${t.accountId}/${t.roleName}`,
    describe: (t) =>
      `Remove the session revocation Revoker put on IAM role ${t.roleName} in ${t.accountId} (unless a later revocation replaced it)`,
    reversible: false,
    destructive: false,
    undoes: 'aws.revokeRoleSessions',
    shortRisk: 'older sessions of the role work again',
    residualRisk: 'Unexpired sessions of the role issued before the revocation work again.',
    act: { activity: 'removeAwsRoleRevocation', args: revocationUndone },
    verify: { activity: 'verifyAwsRoleRevocationRemoved', args: revocationUndone },
  }),
  'aws.removeUserSessionRevocation': kind({
    provider: 'aws',
    target: AwsUserTarget,
    id: (t) => `aws:remove-user-session-revocation:${t.accountId}/${t.userName}`,
    describe: (t) =>
      `Remove the session revocation Revoker put on IAM user ${t.userName} in ${t.accountId} (unless a later revocation replaced it)`,
    reversible: false,
    destructive: false,
    undoes: 'aws.revokeUserSessions',
    shortRisk: "the user's older sessions work again",
    residualRisk:
      "The user's unexpired GetSessionToken/GetFederationToken sessions issued before the revocation work again.",
    act: { activity: 'removeAwsUserSessionRevocation', args: revocationUndone },
    verify: { activity: 'verifyAwsUserSessionRevocationRemoved', args: revocationUndone },
  }),
  'entra.enableUser': kind({
    provider: 'entra',
    target: EntraUserTarget,
    id: (t) => `entra:enable-user:${t.userId}`,
    describe: (t) => `Enable sign-in for Entra user ${t.userPrincipalName} again (accountEnabled true)`,
    reversible: false,
    destructive: false,
    undoes: 'entra.disableUser',
    shortRisk: 'the user can sign in again',
    residualRisk: 'The user can sign in again; revoked sessions stay revoked.',
    act: { activity: 'enableEntraUser' },
    verify: { activity: 'verifyEntraUserEnabled' },
  }),
  'entra.enableServicePrincipal': kind({
    provider: 'entra',
    target: EntraServicePrincipalTarget,
    id: (t) => `entra:enable-service-principal:${t.servicePrincipalId}`,
    describe: (t) => `Enable the service principal of "${t.displayName}" (app ${t.appId}) again`,
    reversible: false,
    destructive: false,
    undoes: 'entra.disableServicePrincipal',
    shortRisk: 'the app gets tokens again',
    residualRisk: 'The app gets tokens again with whatever credentials and grants it still has.',
    act: { activity: 'enableEntraServicePrincipal' },
    verify: { activity: 'verifyEntraServicePrincipalEnabled' },
  }),
  'gcp.enableKey': kind({
    provider: 'gcp',
    target: GcpKeyTarget,
    id: (t) => `gcp:enable-key:${keyIdOf(t)}`,
    describe: (t) => `Enable key ${keyIdOf(t)} of service account ${t.email} again`,
    reversible: false,
    destructive: false,
    undoes: 'gcp.disableKey',
    shortRisk: 'the key works again',
    residualRisk: 'The key works again for whoever holds it.',
    act: { activity: 'enableGcpKey' },
    verify: { activity: 'verifyGcpKey', expected: 'enabled' },
  }),
  'gcp.enableServiceAccount': kind({
    provider: 'gcp',
    target: GcpServiceAccountTarget,
    id: (t) => `gcp:enable-service-account:${t.email}`,
    describe: (t) => `Enable service account ${t.email} again`,
    reversible: false,
    destructive: false,
    undoes: 'gcp.disableServiceAccount',
    shortRisk: 'the account and its keys work again',
    residualRisk: 'The service account and its enabled keys work again.',
    act: { activity: 'enableGcpServiceAccount' },
    verify: { activity: 'verifyGcpServiceAccountEnabled' },
  }),
  'gcp.restoreTokenCreatorBinding': kind({
    provider: 'gcp',
    target: GcpBindingTarget,
    id: (t) => `gcp:restore-binding:${bindingIdOf(t)}`,
    describe: (t) =>
      `Put ${t.member} back into ${t.role}${conditionWords(t)} on service account ${t.email}, exactly as Revoker's copy has it`,
    reversible: false,
    destructive: false,
    undoes: 'gcp.removeTokenCreatorBinding',
    shortRisk: 'the member can mint tokens for the account again',
    residualRisk:
      'The member holds the role on the account again and can mint its tokens (or do what else the role allows). Only this member is put back: other changes to the policy since are kept.',
    act: { activity: 'restoreGcpTokenCreatorBinding' },
    verify: { activity: 'verifyGcpTokenCreatorBindingRestored' },
  }),
  'workspace.unsuspendUser': kind({
    provider: 'workspace',
    target: WorkspaceUserTarget,
    id: (t) => `workspace:unsuspend:${t.user}`,
    describe: (t) => `Unsuspend Workspace user ${t.user}`,
    reversible: false,
    destructive: false,
    undoes: 'workspace.suspendUser',
    shortRisk: 'the user can sign in again',
    residualRisk: 'The user can sign in again, with whatever password and second factor they had.',
    act: { activity: 'unsuspendWorkspaceUser' },
    verify: { activity: 'verifyWorkspaceUserSuspended', expected: 'active' },
  }),
  'kubernetes.restoreBindings': kind({
    provider: 'kubernetes',
    target: KubernetesBindingsTarget,
    id: (t) => `kubernetes:restore-bindings:${t.cluster}/${t.namespace}/${t.serviceAccount}`,
    describe: (t) =>
      `Put service account ${t.namespace}/${t.serviceAccount} back into the RoleBindings and ClusterRoleBindings Revoker took it out of in ${t.cluster}, from Revoker's copy`,
    reversible: false,
    destructive: false,
    undoes: 'kubernetes.removeBindings',
    shortRisk: "the account's tokens get their access back",
    residualRisk:
      'Every unexpired token of the account gets the access those bindings grant again. Only the account is put back: other subjects removed from a binding since are not.',
    act: { activity: 'restoreKubernetesBindings' },
    verify: { activity: 'verifyKubernetesBindingsRestored' },
  }),
};

type Registry = typeof REGISTRY;
export type ActionKind = keyof Registry;
export const ActionKind = lazySchema(() => z.enum(Object.keys(REGISTRY) as [ActionKind, ...ActionKind[]]));

export const Mode = lazySchema(() => z.enum(['auto', 'approval', 'skip']));
export type Mode = z.infer<typeof Mode>;

/** What every reader of the registry may know of a kind, whatever its target. */
export interface ActionKindInfo {
  provider: Provider;
  /** Can a release undo it? */
  reversible: boolean;
  /** Destroys something: never runs without a human decision. */
  destructive: boolean;
  /** What the provider still lets through after the action ran. */
  residualRisk: string;
  /** The residual risk in a few words, for the dry run's table. */
  shortRisk: string;
  /** For a release kind: the containment kind it undoes. */
  undoes?: ActionKind;
  /** Done, it makes this (reversible) kind's control on the same target permanent: a deleted key cannot come back. */
  ends?: ActionKind;
  /** How long what the step cut can still be used somewhere (a duration): the watch lasts the longest of these. */
  lingers?: string;
  /** What stays possible once the step took effect (domain/residual.ts). */
  afterwards?: Afterwards<ActionKind>;
}

/** The registry, every entry checked to name only kinds that exist (`undoes`, `ends`). */
export const ACTION_KINDS: { readonly [K in ActionKind]: Registry[K] & ActionKindInfo } = REGISTRY;

/** One step of some kind: its kind and its target, as the kind's target schema says. */
export type ActionSpec = { [K in ActionKind]: { kind: K; target: z.infer<Registry[K]['target']> } }[ActionKind];

/** One containment step, with a stable id derived from what it does and to what. */
export type Action = ActionSpec & {
  id: string;
  provider: Provider;
  /** principalKey() of the principal the step contains. */
  principal: string;
  reversible: boolean;
  destructive: boolean;
  mode: Mode;
  /** Why it was planned, in a sentence. */
  reason: string;
  /** What it will do, in a sentence a responder can approve. */
  description: string;
  /** Ids of the actions that must have succeeded first. */
  dependsOn: string[];
  residualRisk: string;
  /** For a release step: the id of the containment step it undoes. */
  reverses?: string;
};

const kinds = Object.keys(REGISTRY) as ActionKind[];

/** Containment kind → the release kind that undoes it (only the reversible kinds have one). */
export const RELEASE_OF: Partial<Record<ActionKind, ActionKind>> = Object.fromEntries(
  kinds.flatMap((k) => {
    const undoes = (ACTION_KINDS[k] as ActionKindInfo).undoes;
    return undoes ? [[undoes, k]] : [];
  }),
);

/** Reversible kind → the kind whose success makes it permanent (a key's deletion), if any. */
export const ENDED_BY: Partial<Record<ActionKind, ActionKind>> = Object.fromEntries(
  kinds.flatMap((k) => {
    const ends = (ACTION_KINDS[k] as ActionKindInfo).ends;
    return ends ? [[ends, k]] : [];
  }),
);

/** A release kind (one that undoes containment), as opposed to a containment kind. */
export function isReleaseKind(kind: ActionKind): boolean {
  return (ACTION_KINDS[kind] as ActionKindInfo).undoes !== undefined;
}

/** The registry entry of a spec's kind, seen through its target (TypeScript cannot pair the two in a union). */
function entryOf(spec: ActionSpec) {
  return ACTION_KINDS[spec.kind] as unknown as {
    id(target: ActionSpec['target']): string;
    describe(target: ActionSpec['target']): string;
    act: AnyCall;
    verify: AnyCall;
  };
}
type AnyCall = CallSpec<ActionSpec['target']>;

export function actionId(spec: ActionSpec): string {
  return entryOf(spec).id(spec.target);
}

export function describeAction(spec: ActionSpec): string {
  return entryOf(spec).describe(spec.target);
}

/** The principal key of the credential a step of this spec deletes for good, as alerts name it (the registry's `gone`). */
export function goneCredential(spec: ActionSpec): string | undefined {
  const entry = ACTION_KINDS[spec.kind] as unknown as { gone?: (target: ActionSpec['target']) => Principal };
  return entry.gone ? principalKey(entry.gone(spec.target)) : undefined;
}

/** The credential a step of this spec cuts, if the watch follows one (the registry's `cuts`). */
export function watchedBy(spec: ActionSpec): WatchedCredential | undefined {
  const entry = ACTION_KINDS[spec.kind] as unknown as {
    provider: Provider;
    cuts?: (target: ActionSpec['target']) => Omit<WatchedCredential, 'provider'>;
  };
  if (!entry.cuts || (entry.provider !== 'aws' && entry.provider !== 'entra' && entry.provider !== 'gcp'))
    return undefined;
  return { provider: entry.provider, ...entry.cuts(spec.target) };
}

/** An activity call as data: the workflow schedules `activity` on `provider`'s queue with `argument`. */
export interface ActivityCall {
  provider: Provider;
  activity: string;
  argument: unknown;
}

/**
 * The activity every provider's worker serves beside the registry's (activities/step-runner.ts): a step's act and
 * its first verification, the two activityCall names, in one activity.
 */
export const RUN_STEP_ACTIVITY = 'runStep';

/** The call that acts (`act`) or verifies (`verify`) a step of this spec. */
export function activityCall(spec: ActionSpec, phase: 'act' | 'verify', clock: StepClock): ActivityCall {
  const call = entryOf(spec)[phase];
  const argument = call.args
    ? call.args(spec.target, clock)
    : call.expected !== undefined
      ? { ...spec.target, expected: call.expected }
      : spec.target;
  return { provider: ACTION_KINDS[spec.kind].provider, activity: call.activity, argument };
}

/** An action of this spec with what the registry says of its kind, fields in the order the report shows. */
export function actionOf(
  spec: ActionSpec,
  step: Pick<Action, 'principal' | 'mode' | 'reason' | 'dependsOn' | 'reverses'>,
): Action {
  const info: ActionKindInfo = ACTION_KINDS[spec.kind];
  return {
    ...spec,
    id: actionId(spec),
    provider: info.provider,
    principal: step.principal,
    reversible: info.reversible,
    destructive: info.destructive,
    mode: step.mode,
    reason: step.reason,
    description: describeAction(spec),
    dependsOn: step.dependsOn,
    residualRisk: info.residualRisk,
    ...(step.reverses !== undefined ? { reverses: step.reverses } : {}),
  };
}
