/**
 * The flags `npm start` and `stepline dev` share, turned into {@link DevOptions}: ports, `--no-dashboard`,
 * `--steps` (or `STEPLINE_STEPS`, loaded like the worker's) and `--log-level`.
 */
import { loadStepModules } from '../activities/index.js';
import { loadExampleSteps } from './examples.js';
import { parseLogLevel, parsePort, splitModules } from './ports.js';
import type { DevOptions } from './run-dev.js';

export interface SharedDevFlags {
  port?: string;
  uiPort?: string;
  dashboardPort?: string;
  /** false with `--no-dashboard`. */
  dashboard?: boolean;
  steps?: string;
  logLevel?: string;
}

export async function devOptionsFromFlags(
  flags: SharedDevFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Partial<DevOptions>> {
  const options: Partial<DevOptions> = {};
  if (flags.port !== undefined) options.port = parsePort(flags.port, '--port');
  if (flags.uiPort !== undefined) options.uiPort = parsePort(flags.uiPort, '--ui-port');
  if (flags.dashboardPort !== undefined)
    options.dashboardPort = parsePort(flags.dashboardPort, '--dashboard-port');
  if (flags.dashboard === false) options.dashboard = false;
  if (flags.logLevel !== undefined) options.logLevel = parseLogLevel(flags.logLevel);
  const modules = splitModules(flags.steps ?? env.STEPLINE_STEPS);
  options.steps = [...(await loadExampleSteps()), ...(await loadStepModules(modules))];
  return options;
}
