// deploy/manifests/ (and deploy/kubernetes/clusterrole.yaml) against a real kube-apiserver (testing/kube-cluster.ts,
// the release scripts/ensure-kube.mjs builds): every object server-side applied as a dry run with strict field
// validation, which checks each field against the API server's own schema (NetworkPolicy included), in a namespace
// that enforces the restricted Pod Security Standard, whose warnings fail the test. Before that, what a schema cannot
// say: one worker per queue, each with its cloud's workload identity alone; every Secret a pod reads exists in
// secrets.example.yaml; every variable they set is one docs/configuration.md lists; default-deny network policy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type {
  KubernetesObject,
  V1APIResourceList,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1Job,
  V1NetworkPolicy,
  V1ObjectMeta,
  V1PodSpec,
  V1Secret,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { parseAllDocuments } from 'yaml';
import { ensureGoTool } from '../scripts/ensure-go-tool.mjs';
import {
  deployManifests,
  MANIFESTS_DIR,
  MONITORING_NAMESPACE,
  NAMESPACE,
  WEBHOOK_PORT,
  WORKER_METRICS_PORT,
} from '../scripts/deploy-manifests.js';
import { startKubeCluster, type KubeCluster } from '../testing/kube-cluster.js';
import { QUEUE_NAMES } from '../worker/create-workers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLUSTER_ROLE = join(ROOT, 'deploy/kubernetes/clusterrole.yaml');

/** A manifest object as YAML gives it: its kind says which of the models below it is. */
type K8s = KubernetesObject & { apiVersion: string; kind: string; metadata: V1ObjectMeta & { name: string } };
type Workload = (V1Deployment | V1Job) & K8s;
type Policy = V1NetworkPolicy & K8s;

function objectsOf(path: string, text = readFileSync(path, 'utf8')): K8s[] {
  return parseAllDocuments(text).map((document) => {
    assert.deepEqual(document.errors, [], `${path} is not YAML`);
    return document.toJSON() as K8s;
  });
}

/** `kustomize build <dir>` (tools/kustomize, the kustomize API): its exit status, the objects, and its stderr. */
function kustomize(dir: string): { status: number | null; objects: K8s[]; stderr: string } {
  const run = spawnSync(ensureGoTool('kustomize'), [dir], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, objects: run.status === 0 ? objectsOf(dir, run.stdout) : [], stderr: run.stderr };
}
const manifest = (name: string) => objectsOf(join(MANIFESTS_DIR, name));
const all = () => readdirSync(MANIFESTS_DIR).flatMap((name) => (name.endsWith('.yaml') ? [name] : []));
const objects = () =>
  all()
    .filter((name) => name !== 'kustomization.yaml')
    .flatMap(manifest);
const ofKind = <T>(kind: string, from = objects()) => from.filter((object) => object.kind === kind) as (T & K8s)[];
const workloads = (): Workload[] => objects().filter((o) => o.kind === 'Deployment' || o.kind === 'Job');
const podOf = (workload: Workload): V1PodSpec => workload.spec!.template.spec!;
const containerOf = (workload: Workload): V1Container => podOf(workload).containers[0]!;
const envOf = (workload: Workload, name: string) => containerOf(workload).env?.find((v) => v.name === name)?.value;

describe('deploy/manifests', () => {
  it('is what scripts/deploy-manifests.ts writes (run it after changing the generator)', () => {
    const generated = deployManifests();
    assert.deepEqual(all().sort(), [...generated.keys()].sort());
    for (const [name, text] of generated) assert.equal(readFileSync(join(MANIFESTS_DIR, name), 'utf8'), text, name);
  });

  it('runs one worker Deployment per task queue, each polling only its queue', () => {
    const queues = workloads().flatMap((workload) => {
      const queue = envOf(workload, 'REVOKER_QUEUES');
      return queue ? [[workload.metadata.name, queue]] : [];
    });
    assert.deepEqual(
      queues.sort(),
      QUEUE_NAMES.map((queue) => [`revoker-worker-${queue}`, queue]).sort(),
      'a worker per queue of worker/create-workers.ts',
    );
  });

  it('gives each cloud’s worker its workload identity, and no other ServiceAccount any', () => {
    const annotations = Object.fromEntries(
      ofKind<V1ServiceAccount>('ServiceAccount').map((account) => [
        account.metadata.name,
        Object.keys(account.metadata.annotations ?? {}).sort(),
      ]),
    );
    assert.deepEqual(annotations, {
      'revoker-worker-playbooks': [],
      'revoker-worker-aws': ['eks.amazonaws.com/role-arn'],
      'revoker-worker-entra': ['azure.workload.identity/client-id', 'azure.workload.identity/tenant-id'],
      'revoker-worker-gcp': ['iam.gke.io/gcp-service-account'],
      'revoker-worker-workspace': [],
      revoker: [],
      'revoker-worker-notify': [],
      'revoker-webhook': [],
    });
    const entra = ofKind<V1Deployment>('Deployment', manifest('worker-entra.yaml'))[0]!;
    assert.equal(entra.spec!.template.metadata!.labels!['azure.workload.identity/use'], 'true');
    // Only the Kubernetes worker talks to this cluster's API, as ServiceAccount revoker (deploy/kubernetes binds it).
    const [binding] = ofKind<V1ClusterRoleBinding>('ClusterRoleBinding', objectsOf(CLUSTER_ROLE));
    assert.deepEqual(binding!.subjects, [{ kind: 'ServiceAccount', name: 'revoker', namespace: NAMESPACE }]);
    for (const workload of workloads()) {
      const mountsToken = workload.metadata.name === 'revoker-worker-kubernetes';
      assert.equal(podOf(workload).automountServiceAccountToken, mountsToken, `${workload.metadata.name}'s API token`);
    }
  });

  it('runs every pod as non-root with a read-only root, no privilege escalation and no capabilities', () => {
    for (const workload of workloads()) {
      const pod = podOf(workload);
      const where = workload.metadata.name;
      assert.equal(pod.securityContext?.runAsNonRoot, true, where);
      assert.equal(pod.securityContext?.runAsUser, 65532, `${where}: the image's nonroot user`);
      for (const container of pod.containers) {
        assert.deepEqual(
          container.securityContext,
          { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          where,
        );
      }
    }
  });

  it('probes every long-running pod on /healthz and /readyz of the port it listens on', () => {
    for (const workload of workloads().filter((object) => object.kind === 'Deployment')) {
      const where = workload.metadata.name;
      const container = containerOf(workload);
      // The first port is the one probed; a worker's second is its metrics, which REVOKER_METRICS_ADDRESS binds.
      const [port, metrics] = container.ports ?? [];
      assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', where);
      assert.equal(container.startupProbe?.httpGet?.path, '/healthz', where);
      assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', where);
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        assert.equal(probe?.httpGet?.port, port!.name, where);
      }
      const listens =
        where === 'revoker-webhook'
          ? envOf(workload, 'REVOKER_WEBHOOK_PORT')
          : envOf(workload, 'REVOKER_HEALTH_ADDRESS')?.split(':').pop();
      assert.equal(Number(listens), port!.containerPort, `${where} listens where it is probed`);
      if (metrics) {
        const bound = envOf(workload, 'REVOKER_METRICS_ADDRESS')?.split(':').pop();
        assert.equal(Number(bound), metrics.containerPort, `${where} serves metrics on its port`);
      }
    }
  });

  it('reads secrets only from Secrets of secrets.example.yaml, as files where the code reads *_FILE', () => {
    const secrets = new Map(
      ofKind<V1Secret>('Secret').map((secret) => [secret.metadata.name, Object.keys(secret.stringData ?? {})]),
    );
    const keyExists = (secret: string, key: string, where: string) =>
      assert.ok(secrets.get(secret)?.includes(key), `${where} reads key ${key} of Secret ${secret}, which has none`);
    for (const workload of workloads()) {
      const where = workload.metadata.name;
      const container = containerOf(workload);
      const mounted = new Set<string>();
      for (const volume of podOf(workload).volumes ?? []) {
        if (!volume.secret) continue;
        const name = volume.secret.secretName!;
        const mount = container.volumeMounts?.find((m) => m.name === volume.name);
        assert.ok(mount?.readOnly, `${where} mounts Secret ${name} read-only`);
        // With items, those keys at their paths; without, every key the Secret has, by its name.
        const items = volume.secret.items ?? (secrets.get(name) ?? []).map((key) => ({ key, path: key }));
        assert.ok(items.length, `${where} mounts Secret ${name}, which secrets.example.yaml lacks`);
        for (const item of items) {
          keyExists(name, item.key, where);
          mounted.add(`${mount.mountPath}/${item.path}`);
        }
      }
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) keyExists(ref.name!, ref.key, where);
        if (variable.name.endsWith('_FILE') || variable.name === 'REVOKER_WORKSPACE_CREDENTIALS') {
          assert.ok(mounted.has(variable.value ?? ''), `${where}: ${variable.name} names no mounted Secret file`);
        }
      }
      for (const source of container.envFrom ?? []) {
        if (source.secretRef)
          assert.ok(secrets.has(source.secretRef.name!), `${where}: no Secret ${source.secretRef.name}`);
      }
    }
  });

  it('connects to Temporal through the example profile, which @temporalio/envconfig reads strictly', () => {
    const [temporal] = ofKind<V1Secret>('Secret').filter((secret) => secret.metadata.name === 'revoker-temporal');
    const profile = temporal!.stringData!['temporal.toml']!;
    const config = loadClientConnectConfig({
      configSource: { data: profile },
      configFileStrict: true,
      disableEnv: true,
    });
    assert.equal(config.connectionOptions.address, 'temporal-frontend.temporal.svc.cluster.local:7233');
    assert.equal(config.namespace, NAMESPACE);
    // Uncommented, its API key turns TLS on, as Temporal Cloud needs.
    const cloud = loadClientConnectConfig({
      configSource: { data: profile.replace('# api_key = "…"', 'api_key = "a-key"') },
      configFileStrict: true,
      disableEnv: true,
    });
    assert.equal(cloud.connectionOptions.apiKey, 'a-key');
    assert.equal(cloud.connectionOptions.tls, true);
    for (const workload of workloads()) {
      assert.equal(
        envOf(workload, 'TEMPORAL_CONFIG_FILE'),
        '/var/run/secrets/revoker/revoker-temporal/temporal.toml',
        `${workload.metadata.name} reads the profile`,
      );
    }
  });

  it('sets only variables docs/configuration.md lists', () => {
    const page = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const listed = new Set([...page.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`/gm)].map((match) => match[1]));
    const names = new Set<string>();
    for (const map of ofKind<V1ConfigMap>('ConfigMap')) Object.keys(map.data ?? {}).forEach((name) => names.add(name));
    for (const workload of workloads()) {
      for (const variable of containerOf(workload).env ?? []) names.add(variable.name);
    }
    assert.deepEqual(
      [...names].filter((name) => !listed.has(name)),
      [],
      'add a row to docs/configuration.md, or fix the name',
    );
  });

  it('denies all traffic but DNS, Temporal, the clouds’ APIs, the webhook’s intake and metrics scrapes', () => {
    const policies = ofKind<Policy>('NetworkPolicy');
    const named = (name: string) => policies.find((policy) => policy.metadata.name === name)!;
    assert.deepEqual(named('revoker-default-deny').spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    assert.deepEqual(named('revoker-allow-dns').spec!.podSelector, {}, 'every pod resolves names');
    const ingress = policies.filter((policy) => policy.spec!.ingress);
    assert.deepEqual(
      ingress.map((policy) => [policy.metadata.name, policy.spec!.ingress]),
      [
        [
          'revoker-allow-metrics-scrape',
          [
            {
              from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } } }],
              ports: [{ protocol: 'TCP', port: WORKER_METRICS_PORT }],
            },
          ],
        ],
        ['revoker-allow-webhook-ingress', [{ ports: [{ protocol: 'TCP', port: WEBHOOK_PORT }] }]],
      ],
      'the webhook takes connections on its port; the workers only scrapes from the monitoring namespace',
    );
    assert.deepEqual(
      named('revoker-allow-webhook-ingress').spec!.podSelector?.matchLabels?.['app.kubernetes.io/component'],
      'webhook',
    );
    const egressPorts = (component: string) =>
      policies
        .filter((policy) => {
          const selector = policy.spec!.podSelector ?? {};
          return (
            policy.spec!.egress &&
            (Object.keys(selector).length === 0 || selector.matchExpressions?.[0]?.values?.includes(component))
          );
        })
        .flatMap((policy) => policy.spec!.egress!.flatMap((rule) => (rule.ports ?? []).map((p) => Number(p.port))))
        .sort((a, b) => a - b);
    assert.deepEqual(egressPorts('worker-playbooks'), [53, 53, 7233], 'the playbooks worker talks only to Temporal');
    assert.deepEqual(egressPorts('worker-aws'), [53, 53, 443, 7233]);
    assert.deepEqual(egressPorts('worker-gcp'), [53, 53, 80, 443, 988, 7233], 'and the GKE metadata server');
    assert.deepEqual(egressPorts('worker-kubernetes'), [53, 53, 443, 6443, 7233]);
  });

  it('lists every manifest but the Secrets and the Job in the kustomization, in one namespace', () => {
    const [kustomization] = manifest('kustomization.yaml') as unknown as { namespace: string; resources: string[] }[];
    assert.equal(kustomization!.namespace, NAMESPACE);
    assert.deepEqual(
      [...kustomization!.resources].sort(),
      all()
        .filter((name) => !['kustomization.yaml', 'secrets.example.yaml', 'setup-job.yaml'].includes(name))
        .sort(),
    );
    for (const object of objects()) {
      if (object.kind !== 'Namespace') assert.equal(object.metadata.namespace, NAMESPACE, object.metadata.name);
    }
  });
});

interface Answer {
  status: number;
  body: string;
  warnings: string[];
}

/** One call to the API server as its admin, with the response's Warning headers (Pod Security's, deprecations). */
function call(cluster: KubeCluster, method: string, path: string, body?: unknown, contentType?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      new URL(path, cluster.server),
      {
        method,
        ca: cluster.caPem,
        timeout: 10_000,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${cluster.adminToken}`,
          ...(payload ? { 'content-type': contentType ?? 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const header = res.headers.warning;
          // `299 - "<text>"` each (RFC 7234 warn-code, agent, quoted text); Node joins repeated headers with ", ".
          const joined = Array.isArray(header) ? header.join(', ') : (header ?? '');
          const warnings = [...joined.matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
          resolve({ status: res.statusCode ?? 0, body: text, warnings });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Where the API serves `kind` of `apiVersion`, from its discovery documents. */
async function resourcePath(
  cluster: KubeCluster,
  object: K8s,
  discovery: Map<string, V1APIResourceList>,
): Promise<string> {
  const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  let document = discovery.get(base);
  if (!document) {
    const answer = await call(cluster, 'GET', base);
    assert.equal(answer.status, 200, `the API server serves no ${object.apiVersion}`);
    document = JSON.parse(answer.body) as V1APIResourceList;
    discovery.set(base, document);
  }
  const resource = document.resources.find((r) => r.kind === object.kind && !r.name.includes('/'));
  assert.ok(resource, `the API server serves no ${object.kind} in ${object.apiVersion}`);
  const namespace = resource.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
  return `${base}${namespace}/${resource.name}/${encodeURIComponent(object.metadata.name)}`;
}

/** A server-side apply, with every unknown or duplicate field an error; a dry run (dryRun=All) changes nothing. */
async function apply(
  cluster: KubeCluster,
  object: K8s,
  discovery: Map<string, V1APIResourceList>,
  { dryRun = true, manager = 'revoker-manifests-test' } = {},
): Promise<Answer> {
  const path = await resourcePath(cluster, object, discovery);
  const query = `${dryRun ? 'dryRun=All&' : ''}fieldManager=${manager}&fieldValidation=Strict&force=true`;
  return call(cluster, 'PATCH', `${path}?${query}`, object, 'application/apply-patch+yaml');
}
const dryRunApply = (cluster: KubeCluster, object: K8s, discovery: Map<string, V1APIResourceList>) =>
  apply(cluster, object, discovery);

describe('deploy/manifests on a real kube-apiserver', () => {
  let cluster: KubeCluster;
  const discovery = new Map<string, V1APIResourceList>();

  before(async () => {
    cluster = await startKubeCluster();
    // The namespace first, with its restricted Pod Security labels, which the objects after it are checked against.
    const [namespace] = manifest('namespace.yaml');
    const made = await apply(cluster, namespace!, discovery, { dryRun: false });
    assert.ok(made.status < 300, made.body);
  });
  after(() => cluster?.close());

  it('applies every object, strictly validated, with no Pod Security or deprecation warning', async () => {
    const files = [...all().map((name) => join(MANIFESTS_DIR, name)), CLUSTER_ROLE];
    const checked: string[] = [];
    for (const file of files.filter((path) => !path.endsWith('kustomization.yaml'))) {
      assert.ok(existsSync(file));
      for (const object of objectsOf(file)) {
        // Applied for real (the cluster is the test's own): a pod's ServiceAccount must exist for the pods below. A
        // field manager per file, as `kubectl apply --server-side` of each file by its owner: clusterrole.yaml's
        // Namespace has no labels, and under namespace.yaml's manager it would remove the Pod Security ones.
        const manager = file === CLUSTER_ROLE ? 'revoker-kubernetes-rbac' : 'revoker-manifests-test';
        const answer = await apply(cluster, object, discovery, { dryRun: false, manager });
        const what = `${object.kind} ${object.metadata.name} (${file.slice(ROOT.length)})`;
        assert.ok(answer.status >= 200 && answer.status < 300, `${what}: ${answer.status} ${answer.body}`);
        assert.deepEqual(answer.warnings, [], what);
        checked.push(object.kind);
      }
    }
    // Pod Security enforces on Pods, not on the workloads that make them: each pod template as a Pod of its own.
    for (const workload of workloads()) {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...workload.spec!.template.metadata, name: `${workload.metadata.name}-pod`, namespace: NAMESPACE },
        spec: podOf(workload),
      };
      const answer = await dryRunApply(cluster, pod, discovery);
      assert.ok(answer.status >= 200 && answer.status < 300, `${workload.metadata.name}'s pod: ${answer.body}`);
      assert.deepEqual(answer.warnings, [], `${workload.metadata.name}'s pod`);
    }
    const kinds = [...new Set(checked)].sort();
    assert.deepEqual(kinds, [
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'Job',
      'Namespace',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
  });

  it('takes what `kustomize build` makes of deploy/manifests: its resources, in the namespace, with the image', async () => {
    const built = kustomize(MANIFESTS_DIR);
    assert.equal(built.status, 0, built.stderr);
    const [kustomization] = manifest('kustomization.yaml') as unknown as {
      resources: string[];
      images: { name: string; newName: string; newTag: string }[];
    }[];
    const key = (object: K8s) => `${object.kind}/${object.metadata.name}`;
    assert.deepEqual(
      built.objects.map(key).sort(),
      kustomization!.resources.flatMap(manifest).map(key).sort(),
      'the build holds exactly the objects of its resources',
    );
    const [image] = kustomization!.images;
    for (const object of built.objects) {
      if (object.kind !== 'Namespace') assert.equal(object.metadata.namespace, NAMESPACE, key(object));
      if (object.kind === 'Deployment') {
        assert.equal(containerOf(object as Workload).image, `${image!.newName}:${image!.newTag}`, key(object));
      }
      const answer = await dryRunApply(cluster, object, discovery);
      assert.ok(answer.status >= 200 && answer.status < 300, `${key(object)}: ${answer.body}`);
      assert.deepEqual(answer.warnings, [], key(object));
    }
  });

  it('fails the kustomize build of a kustomization that lists a file it lacks, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'revoker-kustomize-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - worker-aws.yaml\n');
      const built = kustomize(dir);
      assert.equal(built.status, 1);
      assert.match(built.stderr, /worker-aws\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a misspelt field, naming it', async () => {
    const [deployment] = ofKind<V1Deployment>('Deployment', manifest('worker-aws.yaml'));
    const { replicas, ...spec } = deployment!.spec!;
    const misspelt = { ...deployment!, spec: { ...spec, replica: replicas } };
    const answer = await dryRunApply(cluster, misspelt, discovery);
    // Server-side apply types the patch against the schema first: a field it lacks fails there.
    assert.ok(answer.status >= 400, answer.body);
    assert.match(answer.body, /\.spec\.replica: field not declared in schema/);
  });

  it('refuses a NetworkPolicy with a port out of range and a Deployment without an image', async () => {
    const [temporal] = ofKind<Policy>('NetworkPolicy').filter((p) => p.metadata.name === 'revoker-allow-temporal');
    temporal!.spec!.egress![0]!.ports![0]!.port = 72330;
    const policy = await dryRunApply(cluster, temporal!, discovery);
    assert.equal(policy.status, 422, policy.body);
    assert.match(policy.body, /spec\.egress\[0\]\.ports\[0\]\.port/);
    const [webhook] = ofKind<Workload>('Deployment', manifest('webhook.yaml'));
    delete containerOf(webhook!).image;
    const imageless = await dryRunApply(cluster, webhook!, discovery);
    assert.equal(imageless.status, 422, imageless.body);
    assert.match(imageless.body, /spec\.template\.spec\.containers\[0\]\.image: Required value/);
  });

  it('warns of a workload whose pods would run as root, and refuses such a pod', async () => {
    const [deployment] = ofKind<Workload>('Deployment', manifest('worker-playbooks.yaml'));
    deployment!.metadata.name = 'root-worker';
    podOf(deployment!).securityContext = { runAsUser: 0 };
    const answer = await dryRunApply(cluster, deployment!, discovery);
    assert.ok(answer.status < 300, answer.body);
    assert.match(answer.warnings.join('\n'), /would violate PodSecurity "restricted:latest": .*runAsNonRoot/);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root', namespace: NAMESPACE } };
    const rootPod = { ...pod, spec: podOf(deployment!) };
    const refused = await dryRunApply(cluster, rootPod, discovery);
    assert.equal(refused.status, 403, refused.body);
    assert.match(refused.body, /violates PodSecurity/);
  });
});
