/** Address, namespace and task queue: their defaults, and the three from the environment alone. */
import { DEFAULT_TASK_QUEUE } from '../pipeline/contract.js';

/** The Temporal frontend a process talks to when nothing else is said. */
export const DEFAULT_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';

/** Connection and queue settings shared by the worker, the client, the CLI and the dashboard. */
export interface SteplineSettings {
  /** Temporal frontend `host:port`. Env `TEMPORAL_ADDRESS`, default `127.0.0.1:7233`. */
  address: string;
  /** Env `TEMPORAL_NAMESPACE`, default `default`. */
  namespace: string;
  /** Env `STEPLINE_TASK_QUEUE`, default `pipelines`. */
  taskQueue: string;
}

/** Address, namespace and task queue from the environment alone (no profile file, no TLS): cheap, never throws. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SteplineSettings {
  return {
    address: env.TEMPORAL_ADDRESS || DEFAULT_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE,
    taskQueue: env.STEPLINE_TASK_QUEUE || DEFAULT_TASK_QUEUE,
  };
}
