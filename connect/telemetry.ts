// Tracing, shared by the worker and the webhook: OpenTelemetry spans exported over OTLP/HTTP when the standard
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, nothing otherwise. Temporal's
// interceptors (@temporalio/interceptors-opentelemetry) carry the context from the webhook's request through
// StartWorkflow / SignalWithStart headers into the workflow and on to each activity, so one trace runs from the
// SIEM's POST to the cloud call. docs/deploy/operations.md describes it for operators.
import { createRequire } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { z } from 'zod';

const TracingEnv = z.object({
  // Read by the OTLP exporter itself too (with OTEL_EXPORTER_OTLP_HEADERS for a collector's credentials).
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ error: 'an OTLP/HTTP collector URL, e.g. http://otel-collector:4318' })
    .optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z
    .url({ error: 'an OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces' })
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
});

export interface Tracing {
  /** Spans leave the process (an OTLP endpoint is set). */
  enabled: boolean;
  /** Where the workers' workflow spans go (their sink, `makeWorkflowExporter`): the exporter, or nowhere. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Flushes the spans not yet sent; call once, as the process stops. */
  shutdown(): Promise<void>;
}

/**
 * Sets up tracing for this process from the environment: with an OTLP endpoint, a tracer provider registered as the
 * global one (Node's async context, W3C trace-context propagation) that batches spans to it; without, a processor
 * that drops them, so the same interceptors run (the workflow bundle holds them either way) at a span's cost.
 */
export function tracingFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const parsed = TracingEnv.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`bad tracing environment: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME ?? service }));
  const endpoint = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || config.OTEL_SDK_DISABLED === 'true') {
    return { enabled: false, spanProcessor: new NoopSpanProcessor(), resource, shutdown: () => Promise.resolve() };
  }
  // The exporter reads the endpoint (and any OTEL_EXPORTER_OTLP_HEADERS) from the environment itself.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { enabled: true, spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/** What the ready line says about tracing. */
export function tracingSummary(tracing: Tracing, env: NodeJS.ProcessEnv = process.env): string {
  if (!tracing.enabled) return 'off (no OTEL_EXPORTER_OTLP_ENDPOINT)';
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || '';
  // The origin only: a collector URL may carry a credential in its path or query.
  return `OTLP/HTTP to ${new URL(endpoint).origin}`;
}

/**
 * The workflow interceptors' module, bundled into the workflow code both at a worker's start and by `npm run build`
 * (which cannot add them later: a prebuilt bundle ignores WorkerOptions.interceptors.workflowModules).
 */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);
