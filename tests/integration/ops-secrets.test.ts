/**
 * Secure connections from one set of settings (`src/config.ts`, through `@temporalio/envconfig`): the
 * worker, the client, the CLI and the dashboard send `TEMPORAL_API_KEY` as a bearer token and present
 * an mTLS client certificate, checked here against stand-in gRPC servers that record what arrives; and
 * the key never appears in any output line, even at TRACE level while pipelines run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { PipelineClient } from '../../src/client.js';
import { runDashboard } from '../../src/dashboard/main.js';
import { startCli } from '../cli/run-cli.js';
import { serverAddress } from '../helpers/harness.js';
import { killWorkerProcesses, WorkerProcess } from '../helpers/worker-process.js';

interface SeenRequest {
  path: string;
  authorization?: string;
  /** Common name of the client certificate (mTLS). */
  clientCN?: string;
}

/** A stand-in Temporal frontend: records each gRPC request, answers UNAUTHENTICATED. */
async function fakeFrontend(tls?: { key: Buffer; cert: Buffer; ca: Buffer }) {
  const seen: SeenRequest[] = [];
  const server = tls
    ? http2.createSecureServer({ ...tls, requestCert: true, rejectUnauthorized: true })
    : http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const socket = stream.session?.socket as TLSSocket | undefined;
    const cn = tls ? socket?.getPeerCertificate?.()?.subject?.CN : undefined;
    seen.push({
      path: String(headers[':path']),
      ...(headers.authorization ? { authorization: String(headers.authorization) } : {}),
      ...(cn ? { clientCN: String(cn) } : {}),
    });
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': '16',
        'grpc-message': 'stand-in frontend: not authenticated',
      },
      { endStream: true },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    // Clients keep their sessions open (and reconnect): end them, or close() waits forever.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(dir: string) {
  const file = (name: string) => path.join(dir, name);
  // Arguments are split on spaces: the temporary directory's path has none.
  const openssl = (command: string) => execFileSync('openssl', command.split(' '), { stdio: 'pipe' });
  openssl(
    `req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=stepline-test-ca -keyout ${file('ca.key')} -out ${file('ca.pem')}`,
  );
  const leaf = (name: string, cn: string, ext: string) => {
    writeFileSync(file(`${name}.ext`), ext);
    openssl(
      `req -newkey rsa:2048 -nodes -subj /CN=${cn} -keyout ${file(`${name}.key`)} -out ${file(`${name}.csr`)}`,
    );
    openssl(
      `x509 -req -in ${file(`${name}.csr`)} -CA ${file('ca.pem')} -CAkey ${file('ca.key')} -CAcreateserial ` +
        `-days 2 -out ${file(`${name}.pem`)} -extfile ${file(`${name}.ext`)}`,
    );
  };
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'stepline-worker', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  };
}

describe('secure connections and secrets', { timeout: 170_000 }, () => {
  const apiKey = `secret-xyz-${randomUUID()}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepline-secrets-'));

  after(async () => {
    await killWorkerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('API key', () => {
    let frontend: Awaited<ReturnType<typeof fakeFrontend>>;
    before(async () => (frontend = await fakeFrontend()));
    after(async () => await frontend.close());

    const keyEnv = () => ({
      TEMPORAL_ADDRESS: frontend.address,
      TEMPORAL_API_KEY: apiKey,
      TEMPORAL_TLS: 'false',
    });
    const authorizedRequests = () =>
      frontend.seen.filter((r) => r.authorization === `Bearer ${apiKey}`).length;

    test('the worker sends it as a bearer token and never logs it, even at TRACE', async () => {
      const worker = WorkerProcess.spawn({
        name: 'api-key',
        env: { ...keyEnv(), STEPLINE_LOG_LEVEL: 'TRACE' },
      });
      const exit = await worker.exited;
      assert.equal(exit.code, 1, 'the worker exits 1 when the server refuses it');
      assert.ok(authorizedRequests() >= 1, 'the server saw Authorization: Bearer <key>');
      const failure = worker.records().find((r) => r.msg === 'stepline worker cannot start');
      assert.match(String(failure?.error), /authentication|denied|not authenticated/i);
      assert.equal(worker.records().find((r) => r.msg === 'stepline worker starting')?.auth, 'api-key');
      assert.ok(!worker.output().includes(apiKey), 'the API key is in no output line');
    });

    test('the client, the CLI and the dashboard send it too, and print it nowhere', async () => {
      let before = authorizedRequests();
      await assert.rejects(PipelineClient.connect({ env: keyEnv() }));
      assert.ok(authorizedRequests() > before, 'PipelineClient.connect');

      before = authorizedRequests();
      const cli = await startCli(['list'], { env: keyEnv() }).done;
      assert.notEqual(cli.code, 0);
      assert.ok(authorizedRequests() > before, 'stepline list');
      assert.ok(!`${cli.stdout}${cli.stderr}`.includes(apiKey), 'the CLI prints no key');

      before = authorizedRequests();
      await assert.rejects(
        runDashboard({ env: keyEnv(), handleSignals: false, port: 0, log: () => undefined }),
      );
      assert.ok(authorizedRequests() > before, 'the dashboard');
    });

    test('a refused connection with the key (TLS on by default) logs no key', async () => {
      const worker = WorkerProcess.spawn({
        name: 'refused',
        env: { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_API_KEY: apiKey, STEPLINE_LOG_LEVEL: 'TRACE' },
      });
      assert.equal((await worker.exited).code, 1);
      const starting = worker.records().find((r) => r.msg === 'stepline worker starting');
      assert.deepEqual([starting?.tls, starting?.auth], ['tls', 'api-key'], 'an API key turns TLS on');
      assert.ok(worker.records().some((r) => r.level === 'error'));
      assert.ok(!worker.output().includes(apiKey));
    });
  });

  test('a worker with an API key runs pipelines at TRACE level and no line contains the key', async () => {
    const taskQueue = `secrets-${randomUUID()}`;
    const worker = await WorkerProcess.start({
      name: 'keyed',
      env: {
        TEMPORAL_ADDRESS: serverAddress(),
        TEMPORAL_API_KEY: apiKey,
        TEMPORAL_TLS: 'false', // the dev server speaks plaintext and ignores the key
        STEPLINE_TASK_QUEUE: taskQueue,
        STEPLINE_LOG_LEVEL: 'TRACE',
        STEPLINE_METRICS_ADDRESS: '127.0.0.1:0',
      },
    });
    const pipelines = await PipelineClient.connect({ address: serverAddress(), taskQueue });
    try {
      const result = await pipelines.startAndWait({
        name: 'secret-keeper',
        steps: [
          { id: 'a', activity: 'echo', input: { note: 'hello' } },
          {
            id: 'b',
            activity: 'fail',
            input: { times: 1, category: 'network' },
            retry: { initialInterval: '10ms' },
          },
        ],
      });
      assert.equal(result.status, 'completed');
      await fetch(`${worker.metricsUrl}/metrics`);
    } finally {
      await pipelines.close();
    }
    assert.deepEqual(await worker.terminate(), { code: 0, signal: null });
    assert.ok(worker.lines.length > 20, `plenty of output to check (${worker.lines.length} lines)`);
    assert.ok(worker.records().some((r) => r.level === 'trace' || r.level === 'debug'));
    assert.ok(!worker.output().includes(apiKey), 'the API key is in no output line');
  });

  describe('mTLS', () => {
    let certs: ReturnType<typeof makeCertificates>;
    let frontend: Awaited<ReturnType<typeof fakeFrontend>>;
    before(async () => {
      certs = makeCertificates(dir);
      frontend = await fakeFrontend({
        key: readFileSync(certs.serverKey),
        cert: readFileSync(certs.serverCert),
        ca: readFileSync(certs.ca),
      });
    });
    after(async () => await frontend?.close());

    test('the worker verifies the server against the CA and presents its client certificate', async () => {
      const worker = WorkerProcess.spawn({
        name: 'mtls',
        env: {
          TEMPORAL_ADDRESS: frontend.address,
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
          TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
          TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
          TEMPORAL_TLS_SERVER_NAME: 'localhost',
          STEPLINE_LOG_LEVEL: 'TRACE',
        },
      });
      assert.equal((await worker.exited).code, 1);
      assert.ok(
        frontend.seen.some((r) => r.clientCN === 'stepline-worker'),
        'the server saw the client certificate',
      );
      assert.equal(worker.records().find((r) => r.msg === 'stepline worker starting')?.tls, 'mtls');
      const keyBody = readFileSync(certs.clientKey, 'utf8').split('\n')[1]!;
      assert.ok(!worker.output().includes(keyBody), 'the private key is in no output line');
    });

    test('the client reads the same settings (TEMPORAL_TLS_CERT / _KEY / _CA aliases too)', async () => {
      const before = frontend.seen.length;
      await assert.rejects(
        PipelineClient.connect({
          env: {
            TEMPORAL_ADDRESS: frontend.address,
            TEMPORAL_TLS_CA: certs.ca,
            TEMPORAL_TLS_CERT: certs.clientCert,
            TEMPORAL_TLS_KEY: certs.clientKey,
            TEMPORAL_TLS_SERVER_NAME: 'localhost',
          },
        }),
      );
      assert.ok(frontend.seen.slice(before).some((r) => r.clientCN === 'stepline-worker'));
    });

    test('without the CA the server is not trusted: the worker fails and nothing reaches the server', async () => {
      const before = frontend.seen.length;
      const started = Date.now();
      const worker = WorkerProcess.spawn({
        name: 'untrusted',
        env: {
          TEMPORAL_ADDRESS: frontend.address,
          TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
          TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
          TEMPORAL_TLS_SERVER_NAME: 'localhost',
        },
      });
      assert.equal((await worker.exited).code, 1);
      assert.equal(frontend.seen.length, before);
      console.error(`untrusted server refused in ${Date.now() - started} ms`);
    });
  });
});
