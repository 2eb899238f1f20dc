import { DEFAULT_TASK_QUEUE } from './pipeline/contract.js';

/** Connection and queue settings shared by the worker, the client, the CLI and the dashboard. */
export interface SteplineSettings {
  /** Temporal frontend `host:port`. Env `TEMPORAL_ADDRESS`, default `127.0.0.1:7233`. */
  address: string;
  /** Env `TEMPORAL_NAMESPACE`, default `default`. */
  namespace: string;
  /** Env `STEPLINE_TASK_QUEUE`, default `pipelines`. */
  taskQueue: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SteplineSettings {
  return {
    address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.STEPLINE_TASK_QUEUE || DEFAULT_TASK_QUEUE,
  };
}
