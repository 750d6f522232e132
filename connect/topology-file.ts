import { Topology } from '../domain/topology.js';
import { loadYamlFile, type YamlFile } from './yaml-file.js';

/** The topology as loaded, with what an operator needs to be told where to add a missing entry. */
export interface TopologyFile {
  path: string;
  topology: Topology;
  /** The line an entry is listed on, for messages about it. */
  lineOf(cloud: Cloud, id: string): number | undefined;
  /** How to list an entry that is missing: the file, the line to add after, and the text to add. */
  howToAdd(cloud: Cloud, id: string): string;
}

export type Cloud = 'aws' | 'entra' | 'gcp' | 'workspace' | 'kubernetes';

const LISTS = {
  aws: 'accounts',
  entra: 'tenants',
  gcp: 'projects',
  workspace: 'domains',
  kubernetes: 'clusters',
} as const;
const WHAT = {
  aws: 'AWS account',
  entra: 'Entra tenant',
  gcp: 'Google Cloud project',
  workspace: 'Google Workspace domain',
  kubernetes: 'Kubernetes cluster',
} as const;

/** Reads REVOKER_TOPOLOGY_FILE: a bad file stops the worker with every problem by field and line. */
export function loadTopologyFile(path: string): TopologyFile {
  const file: YamlFile<Topology> = loadYamlFile(
    path,
    Topology,
    'topology file',
    'a topology needs at least "version: 1"',
  );
  const entries = (cloud: Cloud): { id: string }[] => {
    const section = file.data[cloud] as Record<string, { id: string }[]> | undefined;
    return section?.[LISTS[cloud]] ?? [];
  };
  const same = (cloud: Cloud, a: string, b: string) =>
    cloud === 'entra' || cloud === 'workspace' ? a.toLowerCase() === b.toLowerCase() : a === b;
  return {
    path,
    topology: file.data,
    lineOf: (cloud, id) => {
      const index = entries(cloud).findIndex((entry) => same(cloud, entry.id, id));
      return index < 0 ? undefined : file.lineOf([cloud, LISTS[cloud], index]);
    },
    howToAdd: (cloud, id) => {
      const list = LISTS[cloud];
      const quoted = cloud === 'aws' ? `"${id}"` : id;
      if (!file.data[cloud]) {
        return `add a ${cloud} section to ${path}:\n  ${cloud}:\n    ${list}:\n      - id: ${quoted}`;
      }
      const after = file.endLineOf([cloud, list]);
      return `add it to ${cloud}.${list} in ${path}${after ? ` after line ${after}` : ''}:\n      - id: ${quoted}`;
    },
  };
}

/** Why an entry not in the topology is refused, and what to add. */
export function notInTopology(file: TopologyFile, cloud: Cloud, id: string): string {
  return `${WHAT[cloud]} ${id} is not in the topology, so Revoker may not act in it: ${file.howToAdd(cloud, id)}`;
}
