// The worker's operations: its probes (REVOKER_HEALTH_ADDRESS: /healthz, /readyz), its Prometheus endpoint
// (REVOKER_METRICS_ADDRESS: the SDK's own metrics and Revoker's, served by the Temporal runtime) and the count of
// incidents waiting for approval, read from visibility, so it stays right across workers, restarts and crashes.
// Both addresses are off unless set: two workers on one host would otherwise fight over a default port.
import { Client } from '@temporalio/client';
import { Runtime, type NativeConnection, type TelemetryOptions, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ListenAddress, startOpsServer, type OpsServer } from '../connect/ops-server.js';
import {
  APPROVALS_WAITING,
  APPROVALS_WAITING_QUERY,
  TIME_TO_CONTAIN,
  TIME_TO_CONTAIN_BUCKETS,
} from '../domain/metrics.js';

const OpsEnv = z.object({
  REVOKER_HEALTH_ADDRESS: ListenAddress.optional(),
  // Kept as text: the Temporal runtime binds it itself.
  REVOKER_METRICS_ADDRESS: z
    .string()
    .refine((text) => ListenAddress.safeParse(text).success, 'host:port to listen on, e.g. 0.0.0.0:9464')
    .optional(),
  REVOKER_METRICS_COUNT_INTERVAL: z
    .string()
    .regex(/^\d+$/, 'whole seconds between visibility counts, e.g. 30')
    .transform(Number)
    .pipe(z.number().min(1, 'at least 1 second').max(3600, 'at most 3600 seconds'))
    .default(30),
});
export type OpsConfig = z.infer<typeof OpsEnv>;

export function operationsFromEnv(env: NodeJS.ProcessEnv): OpsConfig {
  const parsed = OpsEnv.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.')}=${JSON.stringify(env[String(issue.path[0])])}: ${issue.message}`,
  );
  throw new Error(`bad environment: ${problems.join('; ')}`);
}

/** The runtime's metrics: Prometheus on REVOKER_METRICS_ADDRESS (time to contain in buckets from seconds to days). */
export function runtimeMetrics(config: OpsConfig): TelemetryOptions['metrics'] {
  if (!config.REVOKER_METRICS_ADDRESS) return undefined;
  return {
    prometheus: {
      bindAddress: config.REVOKER_METRICS_ADDRESS,
      histogramBucketOverrides: { [TIME_TO_CONTAIN.name]: TIME_TO_CONTAIN_BUCKETS },
    },
  };
}

export interface Operations {
  /** What the ready line says: where the probes and metrics are, or that they are off. */
  health: string;
  metrics: string;
  stop(): Promise<void>;
}

/**
 * Starts the probes and the approvals count. /readyz is ready while Temporal answers (GetSystemInfo within the probe's
 * deadline) and every worker runs; the count runs on the playbooks worker only, every REVOKER_METRICS_COUNT_INTERVAL.
 */
export async function startOperations(options: {
  config: OpsConfig;
  connection: NativeConnection;
  namespace: string;
  workers: Worker[];
  countApprovals: boolean;
  logger: Logger;
}): Promise<Operations> {
  const { config, connection, namespace, workers, logger } = options;
  let server: OpsServer | undefined;
  if (config.REVOKER_HEALTH_ADDRESS) {
    server = await startOpsServer({
      address: config.REVOKER_HEALTH_ADDRESS,
      ready: {
        temporal: async () => {
          await connection.withDeadline(Date.now() + 1_500, () => connection.workflowService.getSystemInfo({}));
        },
        workers: () => {
          const stopped = workers.filter((worker) => worker.getState() !== 'RUNNING');
          if (stopped.length) throw new Error(`${stopped.length} workers not running`);
        },
      },
    });
  }
  let timer: NodeJS.Timeout | undefined;
  if (config.REVOKER_METRICS_ADDRESS && options.countApprovals) {
    const client = new Client({ connection, namespace });
    const gauge = Runtime.instance().metricMeter.createGauge(
      APPROVALS_WAITING.name,
      'int',
      APPROVALS_WAITING.unit,
      APPROVALS_WAITING.help,
    );
    let warned = false;
    const count = async () => {
      try {
        const { count: waiting } = await client.withDeadline(Date.now() + 10_000, () =>
          client.workflow.count(APPROVALS_WAITING_QUERY),
        );
        gauge.set(waiting);
        warned = false;
      } catch (error) {
        // Once per outage: the gauge keeps its last value, and /readyz says whether Temporal answers.
        if (!warned) logger.warn({ err: error }, `could not count ${APPROVALS_WAITING.name} in visibility`);
        warned = true;
      }
    };
    void count();
    timer = setInterval(() => void count(), config.REVOKER_METRICS_COUNT_INTERVAL * 1000);
    timer.unref();
  }
  return {
    health: server ? `${server.url}/healthz, /readyz` : 'off (no REVOKER_HEALTH_ADDRESS)',
    metrics: config.REVOKER_METRICS_ADDRESS
      ? `http://${config.REVOKER_METRICS_ADDRESS}/metrics`
      : 'off (no REVOKER_METRICS_ADDRESS)',
    stop: async () => {
      clearInterval(timer);
      await server?.close();
    },
  };
}
