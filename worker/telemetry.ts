// What every worker gets for operations: OpenTelemetry spans for its workflows (the sink the bundled workflow
// interceptors export through) and activities (RunActivity, a child of the workflow's StartActivity), and on a
// provider's queue a count of its failed attempts by error class (revoker_provider_errors_total), recorded through
// the activity's metric meter into the worker's Prometheus endpoint.
import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULE, type Tracing } from '../connect/telemetry.js';
import { labelValue, PROVIDER_ERRORS } from '../domain/metrics.js';

/** The error class a failed attempt counts under: an ApplicationFailure's type (activities/errors.ts), else its name. */
export function errorClass(error: unknown): string {
  if (error instanceof ApplicationFailure) return labelValue(error.type ?? error.name);
  if (error instanceof Error) return labelValue(error.name);
  return 'unknown';
}

/** Counts each failed attempt of a provider's activity; a cancellation (the incident cancelled) is no provider error. */
export function providerErrors(provider: string): ActivityInterceptorsFactory {
  return (ctx: ActivityContext) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (error) {
          if (!(error instanceof CancelledFailure)) {
            ctx.metricMeter
              .createCounter(PROVIDER_ERRORS.name, PROVIDER_ERRORS.unit, PROVIDER_ERRORS.help)
              .add(1, { provider, error: errorClass(error) });
          }
          throw error;
        }
      },
    },
  });
}

/**
 * The sink the bundled workflow interceptors hand their spans to: to `tracing`'s processor, or dropped. A replay
 * (test/replay.test.ts) registers it too, or the SDK logs each call to a sink it does not know.
 */
export function workflowSpanSinks(tracing?: Pick<Tracing, 'spanProcessor' | 'resource'>) {
  const { spanProcessor, resource } = tracing ?? { spanProcessor: new NoopSpanProcessor(), resource: Resource.empty() };
  return { exporter: makeWorkflowExporter(spanProcessor, resource) };
}

const tracedActivities: ActivityInterceptorsFactory = (ctx) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
});

/**
 * `options` with tracing and metrics added: the tracing interceptor outermost (the span covers the whole attempt),
 * the error count on a provider's queue, then the worker's own activity interceptors; the workflow span exporter as
 * a sink (registered whether or not spans leave the process: the bundle's interceptors call it either way).
 */
export function withTelemetry(
  options: WorkerOptions,
  telemetry: { tracing?: Tracing | undefined; provider?: string | undefined },
): WorkerOptions {
  const { tracing, provider } = telemetry;
  return {
    ...options,
    interceptors: {
      ...options.interceptors,
      // Bundled at start: the bundler adds them; a prebuilt bundle has them already (scripts/build.mjs).
      ...(options.workflowsPath
        ? { workflowModules: [...(options.interceptors?.workflowModules ?? []), WORKFLOW_TRACING_MODULE] }
        : {}),
      activity: [
        tracedActivities,
        ...(provider ? [providerErrors(provider)] : []),
        ...(options.interceptors?.activity ?? []),
      ],
    },
    sinks: { ...options.sinks, ...workflowSpanSinks(tracing) },
  };
}
