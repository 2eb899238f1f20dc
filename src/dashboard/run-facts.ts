/**
 * Facts about ended runs the list shows, read from Temporal and remembered (an ended run never changes):
 * why a run ended without completing (its failure message or terminate reason), and which runs are no
 * longer their pipeline's latest (a resumed pipeline's earlier runs).
 */
import type { PipelineClient } from '../client.js';

/** Ended runs whose reason is remembered; the oldest is forgotten past it. */
const MAX_REMEMBERED = 2000;
/** Longest reason shown in the list. */
export const MAX_REASON_CHARS = 300;

export class RunFacts {
  private readonly reasons = new Map<string, string | null>();

  constructor(private readonly client: PipelineClient) {}

  /** Why the run ended without completing: its close event's failure message or terminate reason. */
  async endReason(pipelineId: string, runId: string): Promise<string | undefined> {
    const key = `${pipelineId}/${runId}`;
    if (this.reasons.has(key)) return this.reasons.get(key) ?? undefined;
    const response = await this.client.client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: this.client.settings.namespace,
      execution: { workflowId: pipelineId, runId },
      maximumPageSize: 1,
    });
    const event = response.history?.events?.[0];
    const failure = event?.workflowExecutionFailedEventAttributes?.failure;
    const reason =
      (failure?.message || undefined) ??
      event?.workflowExecutionTerminatedEventAttributes?.reason ??
      (event?.workflowExecutionTimedOutEventAttributes ? 'the run timed out' : undefined) ??
      (event?.workflowExecutionCanceledEventAttributes ? 'cancelled' : undefined);
    const shown = reason ? clip(reason) : null;
    if (event) {
      if (this.reasons.size >= MAX_REMEMBERED) this.reasons.delete(this.reasons.keys().next().value!);
      this.reasons.set(key, shown);
    }
    return shown ?? undefined;
  }

  /**
   * The latest run id of each of `pipelineIds` (one visibility query). Ids whose runs are not found are
   * left out.
   */
  async latestRuns(pipelineIds: string[]): Promise<Map<string, string>> {
    const latest = new Map<string, { runId: string; started: number }>();
    if (pipelineIds.length === 0) return new Map();
    const ids = [...new Set(pipelineIds)].map((id) => `'${id.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
    const response = await this.client.client.workflowService.listWorkflowExecutions({
      namespace: this.client.settings.namespace,
      query: `WorkflowId IN (${ids.join(', ')}) AND ExecutionStatus != 'ContinuedAsNew'`,
      pageSize: 1000,
    });
    for (const execution of response.executions) {
      const id = execution.execution?.workflowId;
      const runId = execution.execution?.runId;
      if (!id || !runId) continue;
      const started =
        Number(execution.startTime?.seconds ?? 0) * 1000 + (execution.startTime?.nanos ?? 0) / 1e6;
      const known = latest.get(id);
      if (!known || started > known.started) latest.set(id, { runId, started });
    }
    return new Map([...latest].map(([id, { runId }]) => [id, runId]));
  }
}

function clip(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}
