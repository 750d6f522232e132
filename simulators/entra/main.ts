import { parseArgs } from 'node:util';
import { closeOnSignals } from '../shared/close-on-signals.js';
import { defaultSandboxCaDir, ensureSandboxCa, trustFile } from './sandbox-ca.js';
import { loadEntraSeed } from './seed.js';
import { DEFAULT_SEED_PATH, startEntraSimulator } from './server.js';

/**
 * node --import tsx simulators/entra/main.ts [--port 9102] [--host 127.0.0.1] [--seed file.json]
 *   [--state-file file.json] [--ca-dir dir]
 * node --import tsx simulators/entra/main.ts --ensure-ca   (create/renew the sandbox CA, print the file for NODE_EXTRA_CA_CERTS, exit)
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.ENTRA_SIM_PORT ?? '0' },
    host: { type: 'string', default: process.env.ENTRA_SIM_HOST ?? '127.0.0.1' },
    seed: { type: 'string', default: DEFAULT_SEED_PATH },
    'state-file': { type: 'string' },
    'ca-dir': { type: 'string', default: defaultSandboxCaDir() },
    'ensure-ca': { type: 'boolean', default: false },
  },
});

try {
  const ca = await ensureSandboxCa(values['ca-dir']);
  if (values['ensure-ca']) {
    // What to name in NODE_EXTRA_CA_CERTS: the CA, plus any CA this process was already told to trust.
    console.log(trustFile(ca, process.env.NODE_EXTRA_CA_CERTS));
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be an integer 0-65535, got ${values.port}`);
  const simulator = await startEntraSimulator({
    host: values.host,
    port,
    seed: loadEntraSeed(values.seed),
    tls: ca,
    ...(values['state-file'] === undefined ? {} : { stateFile: values['state-file'] }),
  });
  console.log(
    `Entra ID + Microsoft Graph simulator (tenant ${simulator.tenantId}) listening on ${simulator.authorityHost}`,
  );
  console.log(`  authorityHost ${simulator.authorityHost}   graph ${simulator.graphEndpoint}`);
  console.log(`  clients must start with NODE_EXTRA_CA_CERTS=${trustFile(ca, process.env.NODE_EXTRA_CA_CERTS)}`);
  closeOnSignals(simulator);
} catch (error) {
  console.error(`entra simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
