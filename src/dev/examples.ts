/**
 * The example step handlers (`examples/steps/orders.ts`) and the orders ETL definition. They exist in a
 * checkout of the repository (and the container image), not in the installed package: there
 * {@link loadExampleSteps} returns none and {@link EXAMPLE_DEFINITION} is absent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepHandler } from '../activities/index.js';
import { PROJECT_ROOT } from './temporal-cli.js';

/** `.ts` from the sources (tsx), `.js` when compiled. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The orders ETL example's definition (`stepline dev --example`, `npm start`). */
export const EXAMPLE_DEFINITION = path.join(PROJECT_ROOT, 'examples', 'orders-etl.yaml');

/** Whether the examples are here (a checkout or the image; not the installed package). */
export function examplesAvailable(): boolean {
  return existsSync(EXAMPLE_DEFINITION) && existsSync(fileURLToPath(exampleStepsUrl()));
}

function exampleStepsUrl(): URL {
  return new URL(`../../examples/steps/orders${EXT}`, import.meta.url);
}

/** The `orders.*` example handlers, or none where the examples are not shipped. */
export async function loadExampleSteps(): Promise<StepHandler[]> {
  const url = exampleStepsUrl();
  if (!existsSync(fileURLToPath(url))) return [];
  const module = (await import(url.href)) as { default: StepHandler[] };
  return module.default;
}
