/**
 * Gauges of pipelines waiting for a person, counted from visibility (the `SteplineStatus` search
 * attribute the workflow keeps current): `stepline_pending_approvals{pipeline}` and
 * `stepline_pending_interventions{pipeline}`, for the worker's task queue. They are cluster-wide facts,
 * so every worker reports the same value: aggregate with `max`, not `sum`.
 */
import type { Client } from '@temporalio/client';
import type { Logger, MetricMeter, MetricTags } from '@temporalio/common';
import { PIPELINE_WORKFLOW_TYPE } from '../pipeline/contract.js';
import { SteplineName, SteplineStatus } from '../workflows/search-attributes.js';
import { METRICS } from './workflow/names.js';

export interface PendingGaugeOptions {
  client: Client;
  taskQueue: string;
  intervalMs: number;
  meter: MetricMeter;
  log: Logger;
  /** At most this many waiting pipelines are read per poll. Default 10 000. */
  limit?: number;
}

export interface PendingGauges {
  /** Counts now (the timer also does, every `intervalMs`). */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

const KINDS = {
  awaiting_approval: METRICS.pendingApprovals,
  awaiting_intervention: METRICS.pendingInterventions,
} as const;

export function startPendingGauges(options: PendingGaugeOptions): PendingGauges {
  const { client, meter, log } = options;
  const limit = options.limit ?? 10_000;
  const base: MetricTags = { namespace: client.options.namespace, taskQueue: options.taskQueue };
  const gauges = {
    awaiting_approval: meter.createGauge(
      METRICS.pendingApprovals,
      'int',
      'pipelines',
      'Running pipelines with a step awaiting approval',
    ),
    awaiting_intervention: meter.createGauge(
      METRICS.pendingInterventions,
      'int',
      'pipelines',
      'Running pipelines with a step awaiting intervention',
    ),
  };
  const seen = { awaiting_approval: new Set<string>(), awaiting_intervention: new Set<string>() };
  const query =
    `WorkflowType = ${quote(PIPELINE_WORKFLOW_TYPE)} AND ExecutionStatus = 'Running' AND ` +
    `TaskQueue = ${quote(options.taskQueue)} AND ` +
    `${SteplineStatus.name} IN (${Object.keys(KINDS).map(quote).join(', ')})`;
  let warned = false;
  let running: Promise<void> | undefined;

  const pollOnce = async (): Promise<void> => {
    const counts = {
      awaiting_approval: new Map<string, number>(),
      awaiting_intervention: new Map<string, number>(),
    };
    let read = 0;
    try {
      for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
        const status = execution.typedSearchAttributes.get(SteplineStatus);
        if (status !== 'awaiting_approval' && status !== 'awaiting_intervention') continue;
        const name = execution.typedSearchAttributes.get(SteplineName) || '(unknown)';
        counts[status].set(name, (counts[status].get(name) ?? 0) + 1);
        if (++read >= limit) break;
      }
    } catch (err) {
      if (!warned) {
        warned = true;
        log.warn(
          'cannot count pending approvals/interventions (are the Stepline search attributes registered?)',
          {
            error: err instanceof Error ? err.message : String(err),
          },
        );
      }
      return;
    }
    warned = false;
    for (const kind of Object.keys(KINDS) as (keyof typeof KINDS)[]) {
      for (const name of counts[kind].keys()) seen[kind].add(name);
      for (const name of seen[kind])
        gauges[kind].set(counts[kind].get(name) ?? 0, { ...base, pipeline: name });
    }
  };

  const poll = () => (running ??= pollOnce().finally(() => (running = undefined)));
  void poll();
  const timer = setInterval(() => void poll(), options.intervalMs);
  timer.unref();
  return {
    poll,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
