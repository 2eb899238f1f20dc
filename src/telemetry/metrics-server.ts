/**
 * The worker's `/metrics` and `/healthz` on `STEPLINE_METRICS_ADDRESS`.
 *
 * `/metrics` (Prometheus text format) is the Temporal SDK runtime's own Prometheus exporter — the SDK's
 * metrics (`temporal_*`: task latencies, slots, polls, cache…) and Stepline's (`stepline_*`, emitted
 * through the SDK's metric meter) — which listens on an internal loopback port, followed by the Node.js
 * process metrics (`process_*`, `nodejs_*`, from prom-client) and `stepline_sdk_metrics_up`.
 * `/healthz` is 200 with a JSON report while the worker runs, 503 otherwise (starting, draining, failed).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (see {@link RunningMetricsServer.url}). */
  port: number;
  /** The SDK runtime's Prometheus exporter, e.g. `http://127.0.0.1:39123/metrics`. */
  sdkMetricsUrl?: string;
  health: () => HealthReport;
}

export interface RunningMetricsServer {
  /** `http://host:port` as bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const metrics = async (): Promise<string> => {
    const [sdk, own] = await Promise.all([scrape(options.sdkMetricsUrl), registry.metrics()]);
    return [
      sdk.text.trimEnd(),
      own.trimEnd(),
      '# HELP stepline_sdk_metrics_up 1 if the Temporal SDK runtime metrics were scraped for this response.',
      '# TYPE stepline_sdk_metrics_up gauge',
      `stepline_sdk_metrics_up ${sdk.ok ? 1 : 0}`,
      '',
    ]
      .filter((part, i, all) => part !== '' || i === all.length - 1)
      .join('\n');
  };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics().then(
        (body) => res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(body),
        (err: unknown) =>
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
      );
    } else if (path === '/healthz') {
      let report: HealthReport;
      try {
        report = options.health();
      } catch (err) {
        report = { ok: false, error: String(err) };
      }
      res
        .writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(report));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function scrape(url: string | undefined): Promise<{ ok: boolean; text: string }> {
  if (!url) return { ok: false, text: '' };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return { ok: false, text: '' };
    return { ok: true, text: await response.text() };
  } catch {
    return { ok: false, text: '' };
  }
}

/** A free TCP port on 127.0.0.1 (for the SDK runtime's internal exporter). */
export async function freeLoopbackPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
