import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

/**
 * The topology: every AWS account, Entra tenant and Google Cloud project Revoker may act in, and how
 * the worker reaches each. It names no secret: credentials stay in the worker's environment, and the
 * file says only which identity to use where (a role to assume, an environment variable to read).
 */

// Unquoted in YAML, 012345678901 is a number and loses its leading zero: ids must be strings.
const AWS_ACCOUNT_ID_MESSAGE = 'an AWS account id is 12 digits, quoted in YAML ("012345678901")';
const AWS_ACCOUNT_ID = lazySchema(() =>
  z.string({ error: AWS_ACCOUNT_ID_MESSAGE }).regex(/^\d{12}$/, AWS_ACCOUNT_ID_MESSAGE),
);
// IAM role names: 1–64 of [\w+=,.@-]; a path is /…/ of the same characters.
const ROLE_NAME = lazySchema(() =>
  z.string().regex(/^[\w+=,.@-]{1,64}$/, 'an IAM role name: up to 64 of letters, digits and +=,.@_-'),
);
const ROLE_PATH = lazySchema(() => z.string().regex(/^\/([\w+=,.@-]+\/)*$/, 'an IAM path such as / or /security/'));
// ExternalId: 2–1224 of [\w+=,.@:/-] (STS AssumeRole).
const EXTERNAL_ID = lazySchema(() =>
  z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'an ExternalId: 2 to 1224 of letters, digits and +=,.@:/_-'),
);
const ENV_NAME = lazySchema(() =>
  z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'the name of an environment variable (A-Z, 0-9, _)'),
);
const GUID = lazySchema(() =>
  z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'an Entra tenant id is a GUID'),
);
const GCP_PROJECT_ID = lazySchema(() =>
  z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
      'a Google Cloud project id: 6–30 of a-z, 0-9 and -, starting with a letter',
    ),
);

/** How the worker gets into an AWS account: assume a role there with the hub's credentials, or use them as they are. */
const AwsAccess = lazySchema(() =>
  z.object({
    /** The role the hub assumes (default: the topology's `aws.roleName`). */
    roleName: ROLE_NAME.optional(),
    rolePath: ROLE_PATH.optional(),
    /** STS ExternalId the role's trust policy requires (default: `aws.externalId`). Not a secret. */
    externalId: EXTERNAL_ID.optional(),
    /** `direct`: the hub's own account, reached with the hub's credentials unchanged. */
    access: z.enum(['assume-role', 'direct']).default('assume-role'),
  }),
);

export const AwsAccount = lazySchema(() =>
  AwsAccess.extend({
    id: AWS_ACCOUNT_ID,
    /** A name for people (reports, `revoker doctor`). */
    name: z.string().min(1).max(64).optional(),
  }).strict(),
);
export type AwsAccount = z.infer<typeof AwsAccount>;

export const AwsTopology = lazySchema(() =>
  z
    .object({
      /** The member role's name everywhere, unless an account says otherwise. */
      roleName: ROLE_NAME.default('RevokerResponder'),
      rolePath: ROLE_PATH.default('/'),
      externalId: EXTERNAL_ID.optional(),
      /** How long an assumed session lasts; the worker renews it five minutes before it ends. */
      sessionDurationSeconds: z.number().int().min(900).max(43_200).default(3600),
      /** `aws` (default), `aws-us-gov` or `aws-cn`: the role ARN's partition. */
      partition: z.enum(['aws', 'aws-us-gov', 'aws-cn']).default('aws'),
      accounts: z.array(AwsAccount).min(1, 'list at least one account'),
    })
    .strict()
    .superRefine((aws, ctx) => unique(aws.accounts, (a) => a.id, 'accounts', ctx)),
);
export type AwsTopology = z.infer<typeof AwsTopology>;

/** A tenant's own app registration: its client id, and where the worker finds the secret or certificate. */
const EntraAppCredential = lazySchema(() =>
  z
    .object({
      clientId: GUID,
      /** The environment variable holding the client secret. */
      clientSecretEnv: ENV_NAME.optional(),
      /** A PEM file with the certificate and its private key. */
      certificatePath: z.string().min(1).optional(),
    })
    .strict()
    .refine((c) => Boolean(c.clientSecretEnv) !== Boolean(c.certificatePath), {
      message: 'give exactly one of clientSecretEnv or certificatePath',
    }),
);

export const EntraTenant = lazySchema(() =>
  z
    .object({
      id: GUID,
      name: z.string().min(1).max(64).optional(),
      /** Default: the worker's own app (AZURE_CLIENT_ID …), multi-tenant and consented in this tenant. */
      credential: EntraAppCredential.optional(),
    })
    .strict(),
);
export type EntraTenant = z.infer<typeof EntraTenant>;

export const EntraTopology = lazySchema(() =>
  z
    .object({ tenants: z.array(EntraTenant).min(1, 'list at least one tenant') })
    .strict()
    .superRefine((entra, ctx) => unique(entra.tenants, (t) => t.id.toLowerCase(), 'tenants', ctx)),
);
export type EntraTopology = z.infer<typeof EntraTopology>;

export const GcpProject = lazySchema(() =>
  z
    .object({
      id: GCP_PROJECT_ID,
      name: z.string().min(1).max(64).optional(),
      /** Default: the worker's Application Default Credentials, granted at the organisation, a folder or here. */
      credentialsFile: z.string().min(1).optional(),
    })
    .strict(),
);
export type GcpProject = z.infer<typeof GcpProject>;

export const GcpTopology = lazySchema(() =>
  z
    .object({ projects: z.array(GcpProject).min(1, 'list at least one project') })
    .strict()
    .superRefine((gcp, ctx) => unique(gcp.projects, (p) => p.id, 'projects', ctx)),
);
export type GcpTopology = z.infer<typeof GcpTopology>;

export const WorkspaceDomain = lazySchema(() =>
  z
    .object({
      /** The Workspace account's primary domain, e.g. acme.example. */
      id: z
        .string()
        .regex(
          /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          'a lower-case domain such as acme.example',
        ),
      name: z.string().min(1).max(64).optional(),
      /** The administrator the delegated service account acts as (default: `workspace.admin`). */
      admin: z.email().optional(),
      /** The delegated service account's key file (default: `workspace.credentialsFile`, then GOOGLE_APPLICATION_CREDENTIALS). */
      credentialsFile: z.string().min(1).optional(),
    })
    .strict(),
);
export type WorkspaceDomain = z.infer<typeof WorkspaceDomain>;

export const WorkspaceTopology = lazySchema(() =>
  z
    .object({
      /** Default administrator for every domain: a user with user management rights in the Admin console. */
      admin: z.email().optional(),
      credentialsFile: z.string().min(1).optional(),
      domains: z.array(WorkspaceDomain).min(1, 'list at least one domain'),
    })
    .strict()
    .superRefine((workspace, ctx) => {
      unique(workspace.domains, (d) => d.id, 'domains', ctx);
      workspace.domains.forEach((domain, index) => {
        if (!domain.admin && !workspace.admin) {
          ctx.addIssue({
            code: 'custom',
            path: ['domains', index, 'admin'],
            message: `name the administrator to act as in ${domain.id} (admin here, or workspace.admin for every domain)`,
          });
        }
      });
    }),
);
export type WorkspaceTopology = z.infer<typeof WorkspaceTopology>;

export const KubernetesCluster = lazySchema(() =>
  z
    .object({
      /** How alerts name the cluster (GuardDuty's EKS cluster name, a SIEM's cluster label). */
      id: z.string().regex(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/i, 'a cluster id such as prod-eks'),
      name: z.string().min(1).max(64).optional(),
      /** A kubeconfig file for the worker's identity in this cluster (default: KUBECONFIG, else in-cluster config). */
      kubeconfig: z.string().min(1).optional(),
      /** The kubeconfig context to use (default: its current context). */
      context: z.string().min(1).max(253).optional(),
      /** Where Revoker keeps the copy of bindings it removes (default `revoker`): writable by cluster admins only. */
      copyNamespace: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a namespace name (a DNS label) such as revoker')
        .optional(),
    })
    .strict(),
);
export type KubernetesCluster = z.infer<typeof KubernetesCluster>;

export const KubernetesTopology = lazySchema(() =>
  z
    .object({ clusters: z.array(KubernetesCluster).min(1, 'list at least one cluster') })
    .strict()
    .superRefine((kubernetes, ctx) => unique(kubernetes.clusters, (c) => c.id, 'clusters', ctx)),
);
export type KubernetesTopology = z.infer<typeof KubernetesTopology>;

export const Topology = lazySchema(() =>
  z
    .object({
      version: z.literal(1, 'the topology file format is version 1'),
      aws: AwsTopology.optional(),
      entra: EntraTopology.optional(),
      gcp: GcpTopology.optional(),
      workspace: WorkspaceTopology.optional(),
      kubernetes: KubernetesTopology.optional(),
    })
    .strict(),
);
export type Topology = z.infer<typeof Topology>;

function unique<T>(items: T[], key: (item: T) => string, field: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [field, index, 'id'], message: `${k} is listed twice` });
    seen.add(k);
  });
}

/** The ARN of the role the hub assumes in `account`. */
export function responderRoleArn(aws: AwsTopology, account: AwsAccount): string {
  const path = account.rolePath ?? aws.rolePath;
  return `arn:${aws.partition}:iam::${account.id}:role${path}${account.roleName ?? aws.roleName}`;
}
