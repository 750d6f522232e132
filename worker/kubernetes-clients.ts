import { AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { InvalidRequestError } from '../activities/errors.js';
import type { KubernetesActivityDeps, KubernetesClusters } from '../activities/kubernetes.js';
import { notInTopology, type TopologyFile } from '../connect/topology-file.js';
import { KUBERNETES_COPY_NAMESPACE } from '../domain/permissions.js';

/** Clients for one cluster from a kubeconfig file (and context), or the Pod's in-cluster config without one. */
export function createKubernetesClients(
  kubeconfig?: string,
  context?: string,
  copyNamespace = KUBERNETES_COPY_NAMESPACE,
): KubernetesActivityDeps {
  const config = new KubeConfig();
  if (kubeconfig) config.loadFromFile(kubeconfig);
  else config.loadFromCluster();
  if (context) config.setCurrentContext(context);
  const user = config.getCurrentUser()?.name;
  return {
    core: config.makeApiClient(CoreV1Api),
    authentication: config.makeApiClient(AuthenticationV1Api),
    rbac: config.makeApiClient(RbacAuthorizationV1Api),
    copyNamespace,
    ...(user ? { identity: user } : {}),
  };
}

export interface KubernetesClustersOptions {
  topology?: TopologyFile | undefined;
  /** Without a topology: the one cluster served, by the id alerts name it with (REVOKER_KUBERNETES_CLUSTER). */
  clusterId?: string | undefined;
  /** Without a topology, or where it names none: the kubeconfig (KUBECONFIG); none: in-cluster config. */
  kubeconfig?: string | undefined;
}

/**
 * The clusters this worker may act in, each with clients for the worker's own identity there. A kubeconfig the
 * topology names but the disk lacks stops the worker at start; clients are made on first use.
 */
export function createKubernetesClusters(options: KubernetesClustersOptions): KubernetesClusters {
  const file = options.topology;
  const section = file?.topology.kubernetes;
  const entries = section
    ? section.clusters.map((c) => ({
        id: c.id,
        name: c.name,
        kubeconfig: c.kubeconfig ?? options.kubeconfig,
        context: c.context,
        copyNamespace: c.copyNamespace,
        where: `${file.path} line ${file.lineOf('kubernetes', c.id) ?? '?'}`,
      }))
    : options.clusterId
      ? [
          {
            id: options.clusterId,
            name: undefined,
            kubeconfig: options.kubeconfig,
            context: undefined,
            copyNamespace: undefined,
            where: 'REVOKER_KUBERNETES_CLUSTER',
          },
        ]
      : [];
  for (const entry of entries) {
    if (entry.kubeconfig && !existsSync(entry.kubeconfig)) {
      throw new Error(
        `Kubernetes cluster ${entry.id} (${entry.where}) names kubeconfig ${entry.kubeconfig}, which does not exist`,
      );
    }
  }
  const clients = new Map<string, KubernetesActivityDeps>();
  return {
    listed: () => Promise.resolve(entries.map(({ id, name }) => ({ id, ...(name ? { name } : {}) }))),
    clients(cluster) {
      const entry = entries.find((e) => e.id === cluster);
      if (!entry) {
        return Promise.reject(
          new InvalidRequestError(
            file
              ? notInTopology(file, 'kubernetes', cluster)
              : `Kubernetes cluster ${cluster} is not served by this worker: set REVOKER_KUBERNETES_CLUSTER (and KUBECONFIG) for it, or list it in a topology file (REVOKER_TOPOLOGY_FILE).`,
          ),
        );
      }
      let deps = clients.get(cluster);
      if (!deps) {
        deps = createKubernetesClients(entry.kubeconfig, entry.context, entry.copyNamespace);
        clients.set(cluster, deps);
      }
      return Promise.resolve(deps);
    },
  };
}
