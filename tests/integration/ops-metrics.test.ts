/**
 * Operating a worker: `/healthz` and Prometheus `/metrics` on STEPLINE_METRICS_ADDRESS (the SDK
 * runtime's metrics and Stepline's counters, histograms and pending gauges, moving as pipelines run),
 * structured JSON logs with pipeline and step ids, and OpenTelemetry spans exported over OTLP/HTTP.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { writeWorkflowBundle } from '../../src/bundle.js';
import { PipelineClient, PipelineFailedError } from '../../src/client.js';
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';
import { eventually } from '../helpers/eventually.js';
import { serverAddress } from '../helpers/harness.js';
import {
  killWorkerProcesses,
  metricValue,
  parsePrometheus,
  WorkerProcess,
  type Sample,
} from '../helpers/worker-process.js';

const ok: PipelineDefinitionInput = {
  name: 'metrics-ok',
  steps: [
    { id: 'a', activity: 'echo', input: { n: 1 } },
    { id: 'b', activity: 'delay', input: { ms: 20 } },
  ],
};
const broken: PipelineDefinitionInput = {
  name: 'metrics-broken',
  steps: [{ id: 'boom', activity: 'fail', input: { category: 'validation', message: 'bad row' } }],
};
const gated: PipelineDefinitionInput = { name: 'metrics-gated', steps: [{ id: 'gate', type: 'approval' }] };
const repairable: PipelineDefinitionInput = {
  name: 'metrics-repairable',
  steps: [
    {
      id: 'flaky',
      activity: 'fail',
      input: { category: 'dependency' },
      retry: { maxAttempts: 1 },
      recovery: [{ match: { category: ['dependency'] }, strategy: 'manual_intervention' }],
    },
  ],
};

/** A minimal OTLP/HTTP (JSON) trace collector. */
function startCollector(): Promise<{ url: string; spans: string[]; close(): Promise<void> }> {
  const spans: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      try {
        const payload = JSON.parse(body) as {
          resourceSpans?: { scopeSpans?: { spans?: { name: string }[] }[] }[];
        };
        for (const resource of payload.resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? [])
            for (const span of scope.spans ?? []) spans.push(span.name);
      } catch {
        // not JSON: counted as nothing
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}

describe('worker metrics, health, logs and traces', { timeout: 170_000 }, () => {
  const taskQueue = `ops-metrics-${randomUUID()}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepline-ops-'));
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let worker: WorkerProcess;
  let client: Client;
  let pipelines: PipelineClient;

  const scrape = async (): Promise<Sample[]> =>
    parsePrometheus(await (await fetch(`${worker.metricsUrl}/metrics`)).text());

  before(async () => {
    const bundle = path.join(dir, 'workflow-bundle-tracing.js');
    [collector] = await Promise.all([startCollector(), writeWorkflowBundle(bundle, { tracing: true })]);
    worker = await WorkerProcess.start({
      name: 'metrics-worker',
      env: {
        STEPLINE_TASK_QUEUE: taskQueue,
        STEPLINE_METRICS_ADDRESS: '127.0.0.1:0',
        STEPLINE_PENDING_POLL_INTERVAL: '300ms',
        STEPLINE_WORKFLOW_BUNDLE: bundle,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: 'stepline-ops-test',
      },
    });
    const connection = await Connection.connect({ address: serverAddress() });
    client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    pipelines = new PipelineClient({ client, taskQueue });
  });

  after(async () => {
    await killWorkerProcesses();
    await client?.connection.close();
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/healthz answers 200 with the worker state while it runs', async () => {
    const response = await fetch(`${worker.metricsUrl}/healthz`);
    assert.equal(response.status, 200);
    const report = (await response.json()) as Record<string, unknown>;
    assert.equal(report.state, 'RUNNING');
    assert.equal(report.taskQueue, taskQueue);
    assert.equal((await fetch(`${worker.metricsUrl}/nope`)).status, 404);
  });

  test("/metrics carries the SDK's metrics and Stepline's counters, which move as pipelines run", async () => {
    const before = await scrape();
    assert.equal(metricValue(before, 'stepline_pipelines_started_total', { pipeline: 'metrics-ok' }), 0);
    assert.equal(metricValue(before, 'stepline_sdk_metrics_up'), 1);
    assert.ok(
      before.some((s) => s.name.startsWith('nodejs_')),
      'Node.js process metrics',
    );

    await pipelines.startAndWait(ok);
    await pipelines.startAndWait(ok);
    await assert.rejects(pipelines.startAndWait(broken), PipelineFailedError);

    const samples = await eventually(async () => {
      const s = await scrape();
      return metricValue(s, 'stepline_pipelines_failed_total', { pipeline: 'metrics-broken' }) === 1 && s;
    });
    const value = (name: string, labels: Record<string, string>) => metricValue(samples, name, labels);
    assert.equal(value('stepline_pipelines_started_total', { pipeline: 'metrics-ok' }), 2);
    assert.equal(value('stepline_pipelines_completed_total', { pipeline: 'metrics-ok' }), 2);
    assert.equal(value('stepline_pipelines_started_total', { pipeline: 'metrics-broken' }), 1);
    assert.equal(
      value('stepline_pipelines_failed_total', { pipeline: 'metrics-broken', status: 'failed' }),
      1,
    );
    assert.equal(value('stepline_pipelines_completed_total', { pipeline: 'metrics-broken' }), 0);
    assert.equal(
      value('stepline_step_duration_seconds_count', {
        pipeline: 'metrics-ok',
        step: 'b',
        outcome: 'succeeded',
      }),
      2,
    );
    assert.ok(value('stepline_step_duration_seconds_sum', { pipeline: 'metrics-ok', step: 'b' }) >= 0.04);
    assert.equal(
      value('stepline_step_duration_seconds_count', { pipeline: 'metrics-broken', outcome: 'failed' }),
      1,
    );
    assert.equal(
      value('stepline_pipeline_duration_seconds_count', { pipeline: 'metrics-ok', status: 'completed' }),
      2,
    );
    // The SDK runtime's own metrics, from the same endpoint.
    assert.ok(value('temporal_workflow_completed', { task_queue: taskQueue }) >= 2);
    assert.ok(value('temporal_activity_execution_latency_count', { task_queue: taskQueue }) >= 4);
  });

  test('pending approvals and interventions are gauges that rise and fall', async () => {
    const pending = async (name: string, pipeline: string) => metricValue(await scrape(), name, { pipeline });
    const gate = await pipelines.start(gated);
    await eventually(async () => (await pending('stepline_pending_approvals', 'metrics-gated')) === 1);
    const repair = await pipelines.start(repairable);
    await eventually(
      async () => (await pending('stepline_pending_interventions', 'metrics-repairable')) === 1,
    );

    await pipelines.approve(gate.pipelineId, 'gate', { by: 'ops' });
    await pipelines.intervene(repair.pipelineId, { stepId: 'flaky', action: 'skip', by: 'ops' });
    await pipelines.result(gate.pipelineId);
    await pipelines.result(repair.pipelineId);
    await eventually(async () => (await pending('stepline_pending_approvals', 'metrics-gated')) === 0);
    await eventually(
      async () => (await pending('stepline_pending_interventions', 'metrics-repairable')) === 0,
    );
  });

  test('logs are JSON lines; step and workflow lines carry pipeline and step ids', async () => {
    const { pipelineId } = await pipelines.start(ok);
    await pipelines.result(pipelineId);
    await eventually(async () =>
      worker.records().some((r) => r.msg === 'pipeline completed' && r.pipelineId === pipelineId),
    );
    const nonJson = worker.lines.filter((line) => line.trim() && !line.startsWith('{'));
    assert.deepEqual(nonJson, [], 'every line is a JSON object');
    const records = worker.records();
    for (const record of records) {
      assert.equal(typeof record.time, 'string');
      assert.ok(['trace', 'debug', 'info', 'warn', 'error'].includes(String(record.level)));
      assert.equal(typeof record.msg, 'string');
    }
    const steps = records.filter((r) => r.msg === 'step attempt succeeded' && r.pipelineId === pipelineId);
    assert.deepEqual(steps.map((r) => r.stepId).sort(), ['a', 'b']);
    for (const step of steps) {
      assert.equal(step.pipeline, 'metrics-ok');
      assert.equal(step.sdkComponent, 'activity');
      assert.equal(typeof step.durationMs, 'number');
    }
    const workflowLines = records.filter((r) => r.sdkComponent === 'workflow' && r.pipelineId === pipelineId);
    assert.deepEqual(
      workflowLines.map((r) => r.msg),
      ['pipeline started', 'pipeline completed'],
      "the workflow logger's lines, each once (none repeated on replay)",
    );
    assert.ok(workflowLines.every((r) => r.pipeline === 'metrics-ok' && r.workflowId === pipelineId));
  });

  test('OpenTelemetry spans of the workflow and its steps reach the OTLP collector', async () => {
    await eventually(
      async () =>
        ['RunWorkflow:pipeline', 'StartActivity:echo', 'RunActivity:echo', 'RunActivity:delay'].every(
          (name) => collector.spans.includes(name),
        ),
      15_000,
    ).catch(() => assert.fail(`spans seen: ${[...new Set(collector.spans)].join(', ') || 'none'}`));
  });
});
