import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import { loadPayloadKeys, revokerClientDataConverter } from './payload-codec.js';

/**
 * Temporal connection settings follow Temporal's environment-configuration conventions
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the
 * config.toml profile), defaulting to the local dev server on localhost:7233.
 */
export function temporalConnectConfig() {
  const config = loadClientConnectConfig();
  return {
    connectionOptions: { ...config.connectionOptions, address: config.connectionOptions.address ?? 'localhost:7233' },
    namespace: config.namespace ?? 'default',
  };
}

/**
 * A client with Revoker's data converter: payloads encrypted with REVOKER_PAYLOAD_KEYS (connect/payload-codec.ts).
 * Its starts, Signals and Updates carry the caller's trace context in their headers (connect/telemetry.ts); with no
 * tracer set up in the process, they carry none.
 */
export async function connectClient(): Promise<Client> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  const connection = await Connection.connect(connectionOptions);
  return new Client({
    connection,
    namespace,
    dataConverter: clientDataConverter(),
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
}

/** The data converter every client of this process uses, from REVOKER_PAYLOAD_KEYS[_FILE]. */
export function clientDataConverter(env: Record<string, string | undefined> = process.env) {
  return revokerClientDataConverter(loadPayloadKeys(env));
}
