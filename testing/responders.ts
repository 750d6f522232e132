import { parseAwsSeed } from '../simulators/aws/index.js';
import { parseEntraSeed } from '../simulators/entra/index.js';
import { keyFileOf, parseGcpSeed, type GcpKeyFile } from '../simulators/gcp/index.js';
import type { Seeds } from './inputs.js';

/**
 * The name of the identity Revoker's workers act as in each seed: an IAM user, an Entra service
 * principal (display name) and a GCP service account (the part of its email before the `@`).
 */
export const RESPONDER = 'revoker-responder';

export interface ResponderCredentials {
  aws: { accessKeyId: string; secretAccessKey: string };
  entra: { tenantId: string; clientId: string; clientSecret: string };
  gcp: GcpKeyFile;
}

/** The responder's credentials in each seed; throws naming what a seed lacks. */
export function responderCredentials(seeds: Seeds): ResponderCredentials {
  const aws = parseAwsSeed(seeds.aws, 'aws');
  const awsKey = aws.users
    .find((user) => user.userName === RESPONDER)
    ?.accessKeys.find((key) => key.status !== 'Inactive');
  if (!awsKey) throw missing('AWS', `user ${RESPONDER} with an active access key`);

  const entra = parseEntraSeed(seeds.entra, 'entra');
  const app = entra.servicePrincipals.find((sp) => sp.displayName === RESPONDER);
  const secret = app?.passwordCredentials?.[0]?.secretText;
  if (!app || !secret) throw missing('Entra', `service principal named ${RESPONDER} with a client secret`);

  const gcp = parseGcpSeed(seeds.gcp, 'gcp');
  const account = gcp.serviceAccounts.find((sa) => sa.email.split('@')[0] === RESPONDER);
  const gcpKey = account?.keys.find((key) => key.privateKey !== undefined && !key.disabled);
  if (!account || !gcpKey)
    throw missing('GCP', `service account ${RESPONDER}@… with an enabled key and its privateKey`);

  return {
    aws: { accessKeyId: awsKey.accessKeyId, secretAccessKey: awsKey.secretAccessKey },
    entra: { tenantId: entra.tenant.id, clientId: app.appId, clientSecret: secret },
    gcp: keyFileOf(seeds.gcp, `projects/${gcp.projectId}/serviceAccounts/${account.email}/keys/${gcpKey.keyId}`),
  };
}

function missing(cloud: string, what: string): Error {
  return new Error(
    `the ${cloud} seed has no ${what}: the sandbox's workers act as that identity, with the permissions the seed gives it ` +
      `(see simulators/${cloud.toLowerCase()}/fixtures/sandbox.json)`,
  );
}

/**
 * The worker environment for those credentials, exactly as a deployment passes them (undefined:
 * unset, so a developer's own profile or certificate cannot take precedence over the sandbox's).
 */
export function responderEnvironment(
  credentials: ResponderCredentials,
  gcpKeyFile: string,
): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: credentials.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.aws.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AZURE_TENANT_ID: credentials.entra.tenantId,
    AZURE_CLIENT_ID: credentials.entra.clientId,
    AZURE_CLIENT_SECRET: credentials.entra.clientSecret,
    AZURE_CLIENT_CERTIFICATE_PATH: undefined,
    GOOGLE_APPLICATION_CREDENTIALS: gcpKeyFile,
  };
}

/** Sets (or, for undefined, unsets) variables in process.env; returns a function that puts back what was there. */
export function setEnvironment(variables: Record<string, string | undefined>): () => void {
  const before = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(variables);
  return () => apply(before);
}
