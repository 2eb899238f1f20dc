/** Decoding raw Temporal protos and payloads from `describe()` and the history. */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { PipelineProgress } from '../pipeline/progress.js';

export type ProtoTimestamp = { seconds?: unknown; nanos?: number | null };

/** A proto timestamp or duration in milliseconds (0 when absent). */
export function protoMs(ts: ProtoTimestamp | null | undefined): number {
  return ts ? Number(ts.seconds ?? 0) * 1000 + Math.round((ts.nanos ?? 0) / 1e6) : 0;
}

/** A proto timestamp as an ISO time, undefined when it has no seconds. */
export function protoTime(ts: ProtoTimestamp | null | undefined): string | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  return new Date(protoMs(ts)).toISOString();
}

export function decodePayload(payload: Payload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload) as unknown;
  } catch {
    return undefined;
  }
}

export function isProgress(value: unknown): value is PipelineProgress {
  const p = value as Partial<PipelineProgress> | undefined;
  return Boolean(p && typeof p === 'object' && typeof p.status === 'string' && Array.isArray(p.steps));
}

export function decodeHeartbeat(payload: unknown): { percent?: number; message?: string } | undefined {
  if (!payload) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload(payload as never) as {
      percent?: unknown;
      message?: unknown;
    };
    if (!value || typeof value !== 'object') return undefined;
    return {
      ...(typeof value.percent === 'number' ? { percent: value.percent } : {}),
      ...(typeof value.message === 'string' ? { message: value.message } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Which timeout ended a timed-out run, from describe's execution config. */
export function timeoutOf(raw: {
  executionConfig?: {
    workflowExecutionTimeout?: { seconds?: unknown; nanos?: number | null } | null;
    workflowRunTimeout?: { seconds?: unknown; nanos?: number | null } | null;
  } | null;
}): string {
  const run = protoMs(raw.executionConfig?.workflowRunTimeout);
  const execution = protoMs(raw.executionConfig?.workflowExecutionTimeout);
  if (execution > 0 && (run === 0 || execution <= run))
    return `workflow execution timeout ${formatMs(execution)}`;
  if (run > 0) return `workflow run timeout ${formatMs(run)}`;
  return 'workflow timeout';
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
