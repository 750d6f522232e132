import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeOnSignals } from '../shared/close-on-signals.js';
import { loadGcpHierarchy } from './hierarchy.js';
import { keyFileOf } from './key-file.js';
import { loadGcpSeed } from './seed.js';
import { DEFAULT_SEED_PATH, HIERARCHY_PATH, MEMBER_SEED_PATHS, startGcpSimulator } from './server.js';

/**
 * node --import tsx simulators/gcp/main.ts [--port 9103] [--host 127.0.0.1] [--seed file.json]
 *   [--project other.json ...] [--hierarchy organisation.json] [--organisation] [--state-file file.json]
 *   [--key-files-dir dir]
 *
 * --organisation serves the sandbox organisation: fixtures/organisation.json as the hierarchy and the projects
 * fixtures/data.json and fixtures/lab.json beside the primary one (--project and --hierarchy add to or replace
 * them). --key-files-dir writes the key file of every seeded key that has a private key, in every project, as
 * <keyId>.json (mode 0600), e.g. for the worker's GOOGLE_APPLICATION_CREDENTIALS.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: DEFAULT_SEED_PATH },
    project: { type: 'string', multiple: true, default: [] },
    hierarchy: { type: 'string' },
    organisation: { type: 'boolean', default: false },
    'state-file': { type: 'string' },
    'key-files-dir': { type: 'string' },
  },
});

try {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const seed = loadGcpSeed(values.seed);
  const projects = [...(values.organisation ? MEMBER_SEED_PATHS : []), ...values.project].map(loadGcpSeed);
  const hierarchyPath = values.hierarchy ?? (values.organisation ? HIERARCHY_PATH : undefined);
  const dir = values['key-files-dir'];
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    for (const project of [seed, ...projects]) {
      for (const account of project.serviceAccounts) {
        for (const key of account.keys.filter((k) => k.privateKey !== undefined)) {
          const path = join(dir, `${key.keyId}.json`);
          writeFileSync(path, `${JSON.stringify(keyFileOf(project, key.keyId), null, 2)}\n`, { mode: 0o600 });
          chmodSync(path, 0o600);
          console.log(`key file for ${account.email}: ${path}`);
        }
      }
    }
  }
  const simulator = await startGcpSimulator({
    host: values.host,
    port,
    seed,
    projects,
    ...(hierarchyPath === undefined ? {} : { hierarchy: loadGcpHierarchy(hierarchyPath) }),
    ...(values['state-file'] === undefined ? {} : { stateFile: values['state-file'] }),
  });
  const served = simulator.projectIds.length === 1 ? 'project' : 'projects';
  console.log(
    `Google Cloud IAM simulator (${served} ${simulator.projectIds.join(', ')}) listening on ${simulator.rootUrl}`,
  );
  closeOnSignals(simulator);
} catch (error) {
  console.error(`gcp simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
