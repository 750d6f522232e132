// A fault-injecting front for a real kube-apiserver (testing/kube-cluster.ts): clients point at it instead of the
// API server, with nothing else changed, and it answers chosen requests the way a loaded or flaky control plane
// does: 429 TooManyRequests with Retry-After (API Priority and Fairness), 503 ServiceUnavailable, or a request that
// reaches the API server and takes effect while its response is lost. Everything else passes through untouched.
import { request } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeCluster, KubeIdentity } from './kube-cluster.js';

export type KubeFault =
  /** 429 with a Kubernetes Status and Retry-After, as API Priority and Fairness rejects a request. */
  | { kind: 'throttle'; retryAfterSeconds?: number }
  /** 503 with a Kubernetes Status, as an overloaded or restarting API server answers. */
  | { kind: 'unavailable' }
  /** The request reaches the API server and takes effect; the connection drops before its response. */
  | { kind: 'lose-response' };

export interface KubeFaultRule {
  /** HTTP method to match, e.g. `DELETE`; default any. */
  method?: string;
  /** Matched against the request path (with its query). */
  path: RegExp;
  fault: KubeFault;
  /** How many matching requests get the fault; default 1. */
  times?: number;
}

export interface KubeFaultProxy {
  /** The front's URL, e.g. `https://127.0.0.1:41234`, serving the API server's own certificate. */
  server: string;
  /** A kubeconfig for `identity` that talks to the front (the same token; only the server differs). */
  kubeconfigPath(identity: KubeIdentity): string;
  /** Adds faults; each applies to the next `times` matching requests. */
  inject(...rules: KubeFaultRule[]): void;
  /** The faults given so far, by rule: `method path → kind`. */
  injected(): string[];
  close(): Promise<void>;
}

const STATUS = {
  throttle: { code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.' },
  unavailable: {
    code: 503,
    reason: 'ServiceUnavailable',
    message: 'the server is currently unable to handle the request',
  },
} as const;

/** Starts a front for `cluster` on a loopback port the OS picks. */
export async function startKubeFaultProxy(cluster: KubeCluster): Promise<KubeFaultProxy> {
  const rules: (KubeFaultRule & { left: number })[] = [];
  const given: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'revoker-kube-faults-'));

  const take = (req: IncomingMessage): KubeFault | undefined => {
    const rule = rules.find((r) => r.left > 0 && (!r.method || r.method === req.method) && r.path.test(req.url ?? ''));
    if (!rule) return undefined;
    rule.left -= 1;
    given.push(`${req.method ?? ''} ${req.url ?? ''} → ${rule.fault.kind}`);
    return rule.fault;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, lose: boolean) => {
    const upstream = request(
      new URL(req.url ?? '/', cluster.server),
      { method: req.method, headers: { ...req.headers, host: new URL(cluster.server).host }, ca: cluster.caPem },
      (answer) => {
        if (lose) {
          // The API server has done it; the caller never hears.
          answer.resume();
          answer.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(body);
  };

  // The API server's own certificate and key (testing/kube-cluster.ts keeps them under <dir>/pki): the front is the
  // API server to its clients, whose kubeconfig keeps the cluster's CA.
  const tls = {
    cert: readFileSync(join(cluster.dir, 'pki', 'apiserver.crt')),
    key: readFileSync(join(cluster.dir, 'pki', 'apiserver.key')),
  };
  const server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fault = take(req);
      if (fault?.kind === 'throttle' || fault?.kind === 'unavailable') {
        const status = STATUS[fault.kind];
        const retryAfter = fault.kind === 'throttle' ? (fault.retryAfterSeconds ?? 1) : undefined;
        res.writeHead(status.code, {
          'content-type': 'application/json',
          ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
        });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: status.message,
            reason: status.reason,
            details: retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {},
            code: status.code,
          }),
        );
        return;
      }
      forward(req, res, Buffer.concat(chunks), fault?.kind === 'lose-response');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const kubeconfigs = new Map<KubeIdentity, string>();
  return {
    server: url,
    kubeconfigPath(identity) {
      let path = kubeconfigs.get(identity);
      if (!path) {
        path = join(dir, `${identity}.kubeconfig`);
        const user = cluster.users[identity];
        writeFileSync(
          path,
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Config',
            clusters: [
              {
                name: 'faulty',
                cluster: { server: url, 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') },
              },
            ],
            users: [{ name: user, user: { token: cluster.tokens[identity] } }],
            contexts: [{ name: user, context: { cluster: 'faulty', user } }],
            'current-context': user,
          }),
          { mode: 0o600 },
        );
        kubeconfigs.set(identity, path);
      }
      return path;
    },
    inject: (...added) => rules.push(...added.map((rule) => ({ ...rule, left: rule.times ?? 1 }))),
    injected: () => [...given],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
