/**
 * The contract is plain Temporal: a pipeline can be started, read and approved with the `temporal` CLI
 * alone (workflow type `pipeline`, query `progress`, signal `approval`), no Stepline code on the caller's side.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { findTemporalCli } from '../../src/dev/temporal-cli.js';
import type { PipelineProgress } from '../../src/pipeline/progress.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

function temporal(
  binary: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a pipeline driven by the temporal CLI alone', () => {
  const env = useTestEnv();
  const cli = findTemporalCli();

  test(
    'workflow start --type pipeline, query progress, signal approval, result',
    { skip: !cli && 'no temporal CLI' },
    async () => {
      const binary = cli!.path;
      const id = testId('tcli');
      const conn = ['--address', env.address, '--namespace', env.namespace];
      const request = {
        definition: {
          name: 'temporal-cli-only',
          steps: [
            { id: 'prepare', activity: 'echo', input: { release: '{{ params.release }}' } },
            { id: 'gate', type: 'approval', prompt: 'Ship {{ params.release }}?' },
            { id: 'ship', activity: 'echo', input: { shipped: '{{ steps.prepare.output.release }}' } },
          ],
        },
        params: { release: 'r42' },
      };
      const start = ['workflow', 'start', '--type', 'pipeline', '--task-queue', env.taskQueue];
      const input = ['--workflow-id', id, '--input', JSON.stringify(request)];
      const started = await temporal(binary, [...start, ...input, ...conn]);
      assert.equal(started.code, 0, started.stderr);

      const progress = await eventually(async () => {
        const query = await temporal(binary, [
          'workflow',
          'query',
          '--workflow-id',
          id,
          '--name',
          'progress',
          '-o',
          'json',
          ...conn,
        ]);
        if (query.code !== 0) return undefined;
        const value = (JSON.parse(query.stdout) as { queryResult: PipelineProgress[] }).queryResult[0];
        return value?.status === 'awaiting_approval' ? value : undefined;
      });
      assert.equal(progress.pending?.stepId, 'gate');
      assert.equal(progress.pending?.prompt, 'Ship r42?');

      const approval = { stepId: 'gate', decision: 'approve', by: 'ops', comment: 'via temporal CLI' };
      const signalled = await temporal(binary, [
        'workflow',
        'signal',
        '--workflow-id',
        id,
        '--name',
        'approval',
        '--input',
        JSON.stringify(approval),
        ...conn,
      ]);
      assert.equal(signalled.code, 0, signalled.stderr);

      const result = await temporal(binary, [
        'workflow',
        'result',
        '--workflow-id',
        id,
        '-o',
        'json',
        ...conn,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const outcome = JSON.parse(result.stdout) as {
        status: string;
        closeEvent: {
          workflowExecutionCompletedEventAttributes: {
            result: Array<{ status: string; outputs: Record<string, unknown> }>;
          };
        };
      };
      assert.equal(outcome.status, 'COMPLETED');
      const value = outcome.closeEvent.workflowExecutionCompletedEventAttributes.result[0];
      assert.equal(value?.status, 'completed');
      assert.deepEqual(value?.outputs.ship, { shipped: 'r42' });
      assert.equal((value?.outputs.gate as { by?: string }).by, 'ops');
    },
  );
});
