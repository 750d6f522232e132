// What `npm run bench` sends: distinct three-cloud identities seeded into the sandbox clouds (so incidents never
// merge), the alerts about them, and the two policies (every step automatic; every step waiting for a human).
import type { Alert } from '../domain/alert.js';
import { ActionKind } from '../domain/action.js';
import { DEFAULT_POLICY, type Policy } from '../domain/policy.js';
import type { Principal } from '../domain/principal.js';
import type { Seeds } from '../testing/inputs.js';

const pad = (i: number, width: number) => String(i).padStart(width, '0');

/** Every step runs without a human; the playbook closes with its report once contained. */
export const AUTO_POLICY: Policy = {
  ...DEFAULT_POLICY,
  actions: Object.fromEntries(ActionKind.options.map((kind) => [kind, 'auto'])),
  releaseWindow: '0s',
};

/** Every step waits for an approval (the waiting-memory measure, the approval path's cost). */
export const APPROVAL_POLICY: Policy = {
  ...DEFAULT_POLICY,
  actions: Object.fromEntries(ActionKind.options.map((kind) => [kind, 'approval'])),
  releaseWindow: '0s',
};

/**
 * `count` stolen identities, one in each cloud (an IAM user with an access key, an Entra user, a Google Cloud
 * service account with a key), added to the seeds: each incident is its own playbook.
 */
export function benchIdentities(seeds: Seeds, count: number): { seeds: Seeds; incidents: Principal[][] } {
  const ids = Array.from({ length: count }, (_, i) => i);
  const account = seeds.aws.accountId;
  const entraUserId = (i: number) => `00000000-0000-4000-9000-${pad(i, 12)}`;
  const email = (i: number) => `bench-${i}@${seeds.gcp.projectId}.iam.gserviceaccount.com`;
  // The simulator checks a key's certificate is one; which account's it is does not matter to containment.
  const certificate = seeds.gcp.serviceAccounts
    .flatMap((a) => a.keys)
    .find((k) => k.publicKeyCertificate)?.publicKeyCertificate;
  return {
    seeds: {
      ...seeds,
      aws: {
        ...seeds.aws,
        users: [
          ...seeds.aws.users,
          ...ids.map((i) => ({
            userName: `bench-${i}`,
            createDate: '2026-01-01T00:00:00Z',
            accessKeys: [
              {
                accessKeyId: `AKIABENCH${pad(i, 11)}`,
                secretAccessKey: `bench/${pad(i, 11)}/${'k'.repeat(22)}`,
                createDate: '2026-01-01T00:00:00Z',
              },
            ],
          })),
        ],
      },
      entra: {
        ...seeds.entra,
        users: [
          ...seeds.entra.users,
          ...ids.map((i) => ({
            id: entraUserId(i),
            userPrincipalName: `bench-${i}@contoso.example`,
            displayName: `Bench ${i}`,
            createdDateTime: '2026-01-01T00:00:00Z',
          })),
        ],
      },
      gcp: {
        ...seeds.gcp,
        serviceAccounts: [
          ...seeds.gcp.serviceAccounts,
          ...ids.map((i) => ({
            email: email(i),
            uniqueId: `8${pad(i, 20)}`,
            displayName: `Bench ${i}`,
            keys: [
              {
                keyId: pad(i, 40),
                keyType: 'USER_MANAGED' as const,
                validAfterTime: '2026-01-01T00:00:00Z',
                validBeforeTime: '9999-12-31T23:59:59Z',
                ...(certificate ? { publicKeyCertificate: certificate } : {}),
              },
            ],
          })),
        ],
      },
    },
    incidents: ids.map((i) => [
      { type: 'aws.user', accountId: account, userName: `bench-${i}` },
      { type: 'entra.user', tenantId: seeds.entra.tenant.id, user: entraUserId(i) },
      { type: 'gcp.serviceAccount', projectId: seeds.gcp.projectId, email: email(i) },
    ]),
  };
}

let counter = 0;

/** A fresh alert (its own id) about these principals. */
export function alertAbout(principals: Principal[], severity: Alert['severity'] = 'high'): Alert {
  counter += 1;
  return {
    source: 'bench',
    id: `bench-${process.pid}-${Date.now()}-${counter}`,
    title: 'Stolen access token used from an unfamiliar network',
    severity,
    observedAt: new Date().toISOString(),
    principals,
  };
}

/** Hands out the seeded identities in order, each once. */
export function identityPool(incidents: Principal[][]): (n: number) => Principal[][] {
  let next = 0;
  return (n) => {
    if (next + n > incidents.length) throw new Error(`the bench seeded ${incidents.length} identities, too few`);
    const taken = incidents.slice(next, next + n);
    next += n;
    return taken;
  };
}
