// `node --import tsx scripts/deploy-manifests.ts`: writes deploy/manifests/, Revoker's Kubernetes manifests (plain
// YAML, a kustomization over them), from the one table of processes below. deploy/manifests/ is committed;
// test/deploy-manifests.test.ts checks it is current and has a real kube-apiserver validate every object.
// docs/deploy/kubernetes.md explains what is deployed and why.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const NAMESPACE = 'revoker';
/** The image the Dockerfile builds; kustomization.yaml's `images` entry points it at a registry. */
export const IMAGE = 'revoker';
export const IMAGE_TAG = '0.1.0';
export const WEBHOOK_PORT = 8080;
/** The worker's probe endpoint (connect/ops-server.ts: /healthz and /readyz), REVOKER_HEALTH_ADDRESS. */
export const WORKER_HEALTH_PORT = 8080;
/** The worker's Prometheus endpoint (worker/operations.ts), REVOKER_METRICS_ADDRESS. */
export const WORKER_METRICS_PORT = 9464;
/** The namespace whose Prometheus may scrape the workers' metrics (NetworkPolicy revoker-allow-metrics-scrape). */
export const MONITORING_NAMESPACE = 'monitoring';
const UID = 65532;
/** Where each Secret a process reads as files is mounted: /var/run/secrets/revoker/<secret>/<key>. */
const SECRETS_DIR = '/var/run/secrets/revoker';

type Env = { name: string; value?: string; valueFrom?: object };
type Egress = 'temporal' | 'cloud' | 'gke-metadata' | 'kubernetes-api';

/** A Secret a process mounts, and the variables that name its files. */
interface FileSecret {
  secret: string;
  /** key → the variable holding its path. */
  files: Record<string, string>;
  /** Mount every key the Secret has, not only `files` (certificates a config file names, beside it). */
  whole?: boolean;
}

interface Process {
  /** `worker-aws`, `webhook`: the component label and the name suffix. */
  component: string;
  command: string[];
  /** For a worker: its one queue (REVOKER_QUEUES). */
  queue?: string;
  serviceAccount: string;
  /** Workload identity: the ServiceAccount's annotations and the pod's labels. */
  identity?: { annotations: Record<string, string>; podLabels?: Record<string, string>; doc: string };
  automountToken: boolean;
  env: Env[];
  fileSecrets: FileSecret[];
  egress: Egress[];
  memory: string;
  replicas: number;
}

const PAYLOAD_KEYS: FileSecret = {
  secret: 'revoker-payload-keys',
  files: { 'payload-keys': 'REVOKER_PAYLOAD_KEYS_FILE' },
};
/**
 * Temporal's connection (docs/deploy/cluster.md): a config.toml profile with the address, namespace, API key and TLS
 * settings, read by @temporalio/envconfig from TEMPORAL_CONFIG_FILE; CA and client certificates sit beside it.
 */
const TEMPORAL: FileSecret = {
  secret: 'revoker-temporal',
  files: { 'temporal.toml': 'TEMPORAL_CONFIG_FILE' },
  whole: true,
};
const LINK_SECRETS: FileSecret = {
  secret: 'revoker-link-secrets',
  files: { 'link-secrets': 'REVOKER_LINK_SECRETS_FILE' },
};
const secretEnv = (name: string, secret: string, key: string): Env => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key, optional: true } },
});

const worker = (queue: string, rest: Partial<Process>): Process => ({
  component: `worker-${queue}`,
  command: ['worker'],
  queue,
  serviceAccount: `revoker-worker-${queue}`,
  automountToken: false,
  env: [],
  fileSecrets: [TEMPORAL, PAYLOAD_KEYS],
  egress: ['temporal'],
  memory: '512Mi',
  replicas: 2,
  ...rest,
});

/** Every process Revoker runs: one worker Deployment per task queue (each holds only its cloud's identity), the webhook. */
export const PROCESSES: Process[] = [
  worker('playbooks', { memory: '2Gi' }),
  worker('aws', {
    identity: {
      // IRSA: the EKS pod identity webhook injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE; the SDK's default
      // chain assumes the role with the pod's projected token.
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/revoker-hub' },
      doc: 'IRSA',
    },
    egress: ['temporal', 'cloud'],
  }),
  worker('entra', {
    identity: {
      // Azure workload identity: its webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and
      // AZURE_AUTHORITY_HOST into pods labelled azure.workload.identity/use; DefaultAzureCredential uses them.
      annotations: {
        'azure.workload.identity/client-id': '00000000-0000-0000-0000-000000000000',
        'azure.workload.identity/tenant-id': '00000000-0000-0000-0000-000000000000',
      },
      podLabels: { 'azure.workload.identity/use': 'true' },
      doc: 'Azure workload identity',
    },
    egress: ['temporal', 'cloud'],
  }),
  worker('gcp', {
    identity: {
      // GKE Workload Identity: the GKE metadata server answers as this Google service account (ADC).
      annotations: { 'iam.gke.io/gcp-service-account': 'revoker-responder@example-project.iam.gserviceaccount.com' },
      doc: 'GKE Workload Identity',
    },
    egress: ['temporal', 'cloud', 'gke-metadata'],
  }),
  worker('workspace', {
    // Domain-wide delegation signs its own JWT as the service account: it needs the key (worker/workspace-clients.ts).
    env: [{ name: 'REVOKER_WORKSPACE_ADMIN', value: 'revoker-admin@example.com' }],
    fileSecrets: [
      TEMPORAL,
      PAYLOAD_KEYS,
      { secret: 'revoker-workspace-key', files: { 'key.json': 'REVOKER_WORKSPACE_CREDENTIALS' } },
    ],
    egress: ['temporal', 'cloud'],
    replicas: 1,
  }),
  worker('kubernetes', {
    // The subject deploy/kubernetes/clusterrole.yaml binds revoker:containment to: this cluster, in-cluster config.
    serviceAccount: 'revoker',
    automountToken: true,
    env: [{ name: 'REVOKER_KUBERNETES_CLUSTER', value: 'this-cluster' }],
    egress: ['temporal', 'kubernetes-api'],
    replicas: 1,
  }),
  worker('notify', {
    env: [
      secretEnv('REVOKER_NOTIFY_URL', 'revoker-notify', 'notify-url'),
      secretEnv('REVOKER_SLACK_BOT_TOKEN', 'revoker-notify', 'slack-bot-token'),
    ],
    fileSecrets: [TEMPORAL, PAYLOAD_KEYS, LINK_SECRETS],
    egress: ['temporal', 'cloud'],
  }),
  {
    component: 'webhook',
    command: ['webhook'],
    serviceAccount: 'revoker-webhook',
    automountToken: false,
    env: [
      { name: 'REVOKER_WEBHOOK_HOST', value: '0.0.0.0' },
      { name: 'REVOKER_WEBHOOK_PORT', value: String(WEBHOOK_PORT) },
    ],
    fileSecrets: [
      TEMPORAL,
      PAYLOAD_KEYS,
      LINK_SECRETS,
      {
        secret: 'revoker-webhook',
        files: { token: 'REVOKER_WEBHOOK_TOKEN_FILE', 'codec-token': 'REVOKER_CODEC_TOKEN_FILE' },
      },
    ],
    // 443: the identity provider's JWKS, when REVOKER_IDENTITY_JWKS_URL is set.
    egress: ['temporal', 'cloud'],
    memory: '512Mi',
    replicas: 2,
  },
];

const labels = (component: string) => ({
  'app.kubernetes.io/name': 'revoker',
  'app.kubernetes.io/part-of': 'revoker',
  'app.kubernetes.io/component': component,
});
const meta = (name: string, component?: string, extra: object = {}) => ({
  name,
  namespace: NAMESPACE,
  labels: component ? labels(component) : { 'app.kubernetes.io/part-of': 'revoker' },
  ...extra,
});

function serviceAccount(proc: Process) {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(proc.serviceAccount, proc.component, {
      ...(proc.identity ? { annotations: proc.identity.annotations } : {}),
    }),
    automountServiceAccountToken: proc.automountToken,
  };
}

function deployment(proc: Process) {
  const isWebhook = proc.component === 'webhook';
  const port = isWebhook
    ? { name: 'http', containerPort: WEBHOOK_PORT }
    : { name: 'health', containerPort: WORKER_HEALTH_PORT };
  const ports = isWebhook ? [port] : [port, { name: 'metrics', containerPort: WORKER_METRICS_PORT }];
  const probe = (path: string, rest: object) => ({ httpGet: { path, port: port.name }, ...rest });
  const mounts = proc.fileSecrets.map(({ secret }) => ({
    name: secret,
    mountPath: `${SECRETS_DIR}/${secret}`,
    readOnly: true,
  }));
  const env: Env[] = [
    ...(proc.queue ? [{ name: 'REVOKER_QUEUES', value: proc.queue }] : []),
    ...(isWebhook
      ? []
      : [
          { name: 'REVOKER_HEALTH_ADDRESS', value: `0.0.0.0:${WORKER_HEALTH_PORT}` },
          { name: 'REVOKER_METRICS_ADDRESS', value: `0.0.0.0:${WORKER_METRICS_PORT}` },
        ]),
    ...proc.fileSecrets.flatMap(({ secret, files }) =>
      Object.entries(files).map(([key, name]) => ({ name, value: `${SECRETS_DIR}/${secret}/${key}` })),
    ),
    ...proc.env,
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(`revoker-${proc.component}`, proc.component),
    spec: {
      replicas: proc.replicas,
      selector: { matchLabels: labels(proc.component) },
      template: {
        metadata: {
          labels: { ...labels(proc.component), ...(proc.identity?.podLabels ?? {}) },
          // For Prometheus setups that discover targets by annotation; a ServiceMonitor/PodMonitor needs none.
          ...(isWebhook
            ? {}
            : {
                annotations: {
                  'prometheus.io/scrape': 'true',
                  'prometheus.io/port': String(WORKER_METRICS_PORT),
                  'prometheus.io/path': '/metrics',
                },
              }),
        },
        spec: {
          serviceAccountName: proc.serviceAccount,
          automountServiceAccountToken: proc.automountToken,
          // A worker finishes the tasks it holds on SIGTERM (Worker.run), the webhook its requests in flight.
          terminationGracePeriodSeconds: 60,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: UID,
            runAsGroup: UID,
            fsGroup: UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: proc.component,
              image: `${IMAGE}:${IMAGE_TAG}`,
              args: proc.command,
              ports,
              envFrom: [{ configMapRef: { name: 'revoker-config' } }],
              env,
              startupProbe: probe('/healthz', { periodSeconds: 2, failureThreshold: 60 }),
              livenessProbe: probe('/healthz', { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
              readinessProbe: probe('/readyz', { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
              resources: {
                requests: { cpu: '100m', memory: '256Mi' },
                limits: { memory: proc.memory },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...mounts],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ...proc.fileSecrets.map(({ secret, files, whole }) => ({
              name: secret,
              secret: {
                secretName: secret,
                defaultMode: 0o440,
                ...(whole ? {} : { items: Object.keys(files).map((key) => ({ key, path: key })) }),
              },
            })),
          ],
        },
      },
    },
  };
}

function webhookExtras() {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('revoker-webhook', 'webhook'),
      spec: {
        selector: labels('webhook'),
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('revoker-webhook', 'webhook'),
      spec: { minAvailable: 1, selector: { matchLabels: labels('webhook') } },
    },
  ];
}

const componentsWith = (egress: Egress) =>
  PROCESSES.filter((proc) => proc.egress.includes(egress)).map((proc) => proc.component);
const selecting = (components: string[]) => ({
  matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: components }],
});
const anywhere = [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
const policy = (name: string, spec: object) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: meta(name),
  spec,
});

function networkPolicies() {
  return [
    // Nothing in or out of the namespace unless a policy below allows it.
    policy('revoker-default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('revoker-allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    }),
    // Temporal's frontend: in the cluster or Temporal Cloud (whose addresses are not fixed), on 7233.
    policy('revoker-allow-temporal', {
      podSelector: selecting(componentsWith('temporal')),
      policyTypes: ['Egress'],
      egress: [{ to: anywhere, ports: tcp(7233) }],
    }),
    // The clouds' APIs and token endpoints (AWS STS and IAM, Entra and Graph, Google), Slack or Teams, the IdP's JWKS.
    policy('revoker-allow-cloud-apis', {
      podSelector: selecting(componentsWith('cloud')),
      policyTypes: ['Egress'],
      egress: [{ to: anywhere, ports: tcp(443) }],
    }),
    // GKE Workload Identity: the GKE metadata server (169.254.169.254:80; 169.254.169.252:988 on GKE Dataplane V2).
    policy('revoker-allow-gke-metadata', {
      podSelector: selecting(componentsWith('gke-metadata')),
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: tcp(80) },
        { to: [{ ipBlock: { cidr: '169.254.169.252/32' } }], ports: tcp(988) },
      ],
    }),
    // This cluster's API server, after the Service's DNAT: 443 on managed clusters, 6443 on kubeadm's.
    policy('revoker-allow-kubernetes-api', {
      podSelector: selecting(componentsWith('kubernetes-api')),
      policyTypes: ['Egress'],
      egress: [{ to: anywhere, ports: tcp(443, 6443) }],
    }),
    // Prometheus, from its own namespace, scrapes the workers' metrics.
    policy('revoker-allow-metrics-scrape', {
      podSelector: selecting(PROCESSES.filter((proc) => proc.queue).map((proc) => proc.component)),
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } } }],
          ports: tcp(WORKER_METRICS_PORT),
        },
      ],
    }),
    // SIEMs and responders reach the webhook (narrow `from` to the ingress controller's namespace where there is one).
    policy('revoker-allow-webhook-ingress', {
      podSelector: { matchLabels: labels('webhook') },
      policyTypes: ['Ingress'],
      ingress: [{ ports: tcp(WEBHOOK_PORT) }],
    }),
  ];
}

function configMap() {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('revoker-config'),
    // What every process reads (docs/configuration.md); replace the examples, e.g. with a kustomize patch.
    data: {
      REVOKER_UI_URL: 'https://temporal-ui.example.com',
      REVOKER_PUBLIC_URL: 'https://revoker.example.com',
      LOG_LEVEL: 'info',
    },
  };
}

/** The Secrets the Deployments read, with empty values: fill them (or make them with your secret manager). */
function secrets() {
  const secret = (name: string, keys: string[], note: string, values: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(name, undefined, { annotations: { 'revoker.dev/holds': note } }),
    type: 'Opaque',
    stringData: Object.fromEntries(keys.map((key) => [key, values[key] ?? ''])),
  });
  return [
    secret('revoker-payload-keys', ['payload-keys'], 'keyId:base64key lines (openssl rand -base64 32); every process'),
    secret('revoker-link-secrets', ['link-secrets'], 'one-click link signing secrets, 32+ characters; webhook, notify'),
    secret('revoker-webhook', ['token', 'codec-token'], 'intake bearer tokens; the /codec bearer token'),
    secret('revoker-notify', ['notify-url', 'slack-bot-token'], 'Slack/Teams webhook URL; Slack bot token (optional)'),
    secret('revoker-workspace-key', ['key.json'], 'the domain-wide delegated service account key'),
    secret(
      'revoker-temporal',
      ['temporal.toml'],
      "Temporal's connection profile (docs/deploy/cluster.md); its CA and client certificates as keys beside it",
      {
        'temporal.toml': [
          '[profile.default]',
          'address = "temporal-frontend.temporal.svc.cluster.local:7233"',
          'namespace = "revoker"',
          '# api_key = "…"   # Temporal Cloud, or a server with the JWT authorizer: a bearer token; turns TLS on',
          '',
          '# [profile.default.tls]',
          `# server_ca_cert_path = "${SECRETS_DIR}/revoker-temporal/ca.pem"   # a key of this Secret, mounted beside it`,
          `# client_cert_path = "${SECRETS_DIR}/revoker-temporal/tls.crt"     # mTLS`,
          `# client_key_path = "${SECRETS_DIR}/revoker-temporal/tls.key"`,
          '',
        ].join('\n'),
      },
    ),
  ];
}

/** `revoker setup` once per namespace: the search attributes, and the retention checked against the policy. */
function setupJob() {
  const webhook = deployment(PROCESSES.find((proc) => proc.component === 'webhook')!);
  const container = webhook.spec.template.spec.containers[0]!;
  const needs = new Set(['tmp', TEMPORAL.secret, PAYLOAD_KEYS.secret]);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('revoker-setup', 'setup'),
    spec: {
      backoffLimit: 3,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labels('setup') },
        spec: {
          restartPolicy: 'OnFailure',
          serviceAccountName: 'revoker-webhook',
          automountServiceAccountToken: false,
          securityContext: webhook.spec.template.spec.securityContext,
          containers: [
            {
              name: 'setup',
              image: container.image,
              args: ['revoker', 'setup'],
              envFrom: container.envFrom,
              env: container.env.filter((variable) =>
                ['TEMPORAL_CONFIG_FILE', 'REVOKER_PAYLOAD_KEYS_FILE'].includes(variable.name),
              ),
              securityContext: container.securityContext,
              volumeMounts: container.volumeMounts.filter((mount) => needs.has(mount.name)),
            },
          ],
          volumes: webhook.spec.template.spec.volumes.filter((volume) => needs.has(volume.name)),
        },
      },
    },
  };
}

const HEADER =
  '# Generated by scripts/deploy-manifests.ts; edit it there, then run it. docs/deploy/kubernetes.md explains.\n';
const yaml = (...objects: object[]) =>
  HEADER + objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');

/** Every file of deploy/manifests/, by name, as the generator writes it. */
export function deployManifests(): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'namespace.yaml',
    yaml({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: NAMESPACE,
        // Pod Security Admission: pods that break the restricted profile are refused, and a workload whose pods would is warned of.
        labels: {
          'app.kubernetes.io/part-of': 'revoker',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    }),
  );
  files.set('config.yaml', yaml(configMap()));
  for (const proc of PROCESSES) {
    const objects: object[] = [serviceAccount(proc), deployment(proc)];
    if (proc.component === 'webhook') objects.push(...webhookExtras());
    files.set(`${proc.component}.yaml`, yaml(...objects));
  }
  files.set('network-policies.yaml', yaml(...networkPolicies()));
  // Not in the kustomization: Secrets hold values that never go in git, and a Job is applied once, by hand.
  files.set('secrets.example.yaml', yaml(...secrets()));
  files.set('setup-job.yaml', yaml(setupJob()));
  const resources = [...files.keys()].filter((name) => name !== 'secrets.example.yaml' && name !== 'setup-job.yaml');
  files.set(
    'kustomization.yaml',
    HEADER +
      '# kubectl apply -k deploy/manifests (after the Secrets of secrets.example.yaml exist); overlays patch the examples.\n' +
      stringify(
        {
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          namespace: NAMESPACE,
          resources,
          images: [{ name: IMAGE, newName: 'registry.example.com/secops/revoker', newTag: IMAGE_TAG }],
        },
        { lineWidth: 0 },
      ),
  );
  return files;
}

export const MANIFESTS_DIR = fileURLToPath(new URL('../deploy/manifests/', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(MANIFESTS_DIR, { recursive: true, force: true });
  for (const [name, text] of deployManifests()) {
    const path = join(MANIFESTS_DIR, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  process.stdout.write(`wrote ${readdirSync(MANIFESTS_DIR).length} files to deploy/manifests/\n`);
}
