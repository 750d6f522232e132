import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Alert } from '../../domain/alert.js';
import { createWebhookApp } from './app.js';
import { createWebhookMetrics, type MetricsAuth } from './observability.js';

const TOKEN = 'test-token-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789';
const ALERT: Alert = {
  source: 'splunk',
  id: 'notable-42',
  title: 'Access key used from a new ASN',
  severity: 'high',
  observedAt: '2026-11-23T10:00:00Z',
  principals: [{ type: 'aws.user', accountId: '123456789012', userName: 'alice' }],
};

// A tracer provider of this test process's own, registered as a deployment's is (connect/telemetry.ts).
const spans = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
provider.register();
after(() => provider.shutdown());

function appWith(auth: MetricsAuth | undefined, activeSpans: (string | undefined)[] = []) {
  return createWebhookApp({
    auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
    startPlaybook: (alert) => {
      // The span the Temporal client interceptor makes StartWorkflow's parent.
      activeSpans.push(trace.getActiveSpan()?.spanContext().traceId);
      return Promise.resolve({
        workflowId: `contain/${alert.id}`,
        runId: 'run-1',
        uiUrl: 'http://localhost:8233',
        outcome: 'started',
        merged: false,
        duplicate: false,
      });
    },
    ...(auth ? { metrics: createWebhookMetrics(auth) } : {}),
  });
}

const post = (body: string, token = TOKEN, headers: Record<string, string> = {}) => ({
  method: 'POST',
  body,
  headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
});

describe('webhook metrics', () => {
  it('counts the alerts it answered by source and status, refusals included', async () => {
    const app = appWith('loopback-only');
    assert.equal((await app.request('/alerts', post(JSON.stringify(ALERT)))).status, 202);
    assert.equal((await app.request('/alerts', post(JSON.stringify({ ...ALERT, id: 'n-43' })))).status, 202);
    assert.equal((await app.request('/alerts', post(JSON.stringify(ALERT), 'wrong-token'))).status, 401);
    assert.equal((await app.request('/alerts', post('{"title": 1}'))).status, 422);
    assert.equal((await app.request('/alerts/made-up-source', post('{}'))).status, 404);
    const text = await (await app.request('/metrics')).text();
    assert.match(text, /# TYPE revoker_alerts_total counter/);
    assert.match(text, /revoker_alerts_total\{source="generic",status="202"\} 2/);
    assert.match(text, /revoker_alerts_total\{source="generic",status="401"\} 1/);
    assert.match(text, /revoker_alerts_total\{source="generic",status="422"\} 1/);
    assert.match(text, /revoker_alerts_total\{source="unknown",status="404"\} 1/);
    assert.doesNotMatch(text, /made-up-source|alice|notable-42/, 'no caller-chosen text, principal or alert id');
    assert.match(text, /process_resident_memory_bytes/, "Node's process metrics");
  });

  it('counts link requests by method and status, and never labels a token', async () => {
    const app = appWith('loopback-only');
    const token = 'v1.someone-elses-link-token';
    assert.equal((await app.request(`/links/${token}`)).status, 404);
    const text = await (await app.request('/metrics')).text();
    assert.match(text, /revoker_link_requests_total\{method="GET",status="404"\} 1/);
    assert.doesNotMatch(text, /someone-elses/);
  });

  it('serves /metrics only to a bearer of a metrics token when it has tokens', async () => {
    const app = appWith({ bearerTokens: [METRICS_TOKEN] });
    const refused = await app.request('/metrics');
    assert.equal(refused.status, 401);
    assert.match(await refused.text(), /REVOKER_METRICS_TOKEN/);
    assert.equal((await app.request('/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } })).status, 401);
    const ok = await app.request('/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /text\/plain/);
  });

  it('answers 404 saying how to turn /metrics on when it is off', async () => {
    const res = await appWith(undefined).request('/metrics');
    assert.equal(res.status, 404);
    assert.match(await res.text(), /REVOKER_METRICS_TOKEN/);
  });
});

describe('webhook tracing', () => {
  it("makes a server span per request, a child of the caller's traceparent, active while the playbook starts", async () => {
    spans.reset();
    const seen: (string | undefined)[] = [];
    const app = appWith(undefined, seen);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.request(
      '/alerts/splunk',
      post(JSON.stringify({ result: {} }), TOKEN, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }),
    );
    assert.equal(res.status, 422);
    const ok = await app.request(
      '/alerts',
      post(JSON.stringify(ALERT), TOKEN, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }),
    );
    assert.equal(ok.status, 202);
    const finished = spans.getFinishedSpans();
    assert.deepEqual(
      finished.map((s) => [s.name, s.attributes['http.response.status_code'], s.spanContext().traceId]),
      [
        ['POST /alerts/:source', 422, traceId],
        ['POST /alerts/:source', 202, traceId],
      ],
    );
    assert.equal(finished[0]?.parentSpanId, '00f067aa0ba902b7');
    assert.deepEqual(seen, [traceId], 'the request span is active when the playbook starts');
  });

  it('names a link route by its template, never its token', async () => {
    spans.reset();
    await appWith(undefined).request('/links/v1.secret-link-token');
    const [span] = spans.getFinishedSpans();
    assert.equal(span?.name, 'GET /links/:token');
    assert.doesNotMatch(JSON.stringify(span?.attributes), /secret-link-token/);
  });
});
