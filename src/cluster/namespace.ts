/** The cluster's namespace and Stepline's search attributes, registered through the frontend's gRPC API. */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../dev/dev-server.js';
import { ClusterSetupError } from './binaries.js';

const { temporal } = proto;
const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const ALREADY_EXISTS = 6;

function isAlreadyExists(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === ALREADY_EXISTS;
}

async function retrying<T>(what: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline)
        throw new ClusterSetupError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Registers `namespace` (retention `retentionDays`) and the `SteplineName` / `SteplineStatus` Keyword
 * attributes, each only where missing, then waits until the frontend lists pipelines in it (the namespace
 * cache has caught up). Safe to run again.
 */
export async function registerNamespace(
  address: string,
  namespace: string,
  retentionDays = 3,
  timeoutMs = 90_000,
): Promise<void> {
  const connection = await retrying('connecting to the frontend', timeoutMs, () =>
    Connection.connect({ address, connectTimeout: 2000 }),
  );
  try {
    await retrying(`registering namespace ${namespace}`, timeoutMs, async () => {
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
        });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    });
    await retrying(`adding search attributes to ${namespace}`, timeoutMs, async () => {
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !listed.customAttributes?.[name]);
      if (missing.length === 0) return;
      try {
        await connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
        });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      throw new Error(`waiting for ${missing.join(', ')} to be listed`);
    });
    await retrying(`listing pipelines in ${namespace}`, timeoutMs, () =>
      connection.workflowService.listWorkflowExecutions({
        namespace,
        pageSize: 1,
        query: 'SteplineStatus = "running"',
      }),
    );
  } finally {
    await connection.close();
  }
}
