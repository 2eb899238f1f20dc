/**
 * Regenerates docs/definition.md, the PipelineDefinition reference, from the zod schemas (through their
 * JSON Schema: the field descriptions are the `.describe()` texts in src/pipeline/definition.ts):
 * `npx tsx scripts/write-reference.ts`. tests/unit/definition-reference.test.ts checks it is up to date.
 *
 * It also rewrites the environment table of docs/operations.md (between its `env-table` markers) from
 * `ENVIRONMENT` in src/config.ts; tests/unit/docs-operations.test.ts checks that one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { render } from './reference/markdown.js';
import { formattedOperations, OPERATIONS_PATH } from './reference/operations.js';
import { referenceSections } from './reference/sections.js';

export { referenceSections, type Node, type Section } from './reference/sections.js';
export {
  environmentTable,
  ENV_TABLE_END,
  ENV_TABLE_START,
  formattedOperations,
  OPERATIONS_PATH,
} from './reference/operations.js';

/** The reference document, as Markdown (before prettier). */
export function definitionReference(): string {
  return render(referenceSections());
}

export const REFERENCE_PATH = fileURLToPath(new URL('../docs/definition.md', import.meta.url));

/** The reference as committed: formatted with the repository's prettier settings. */
export async function formattedReference(): Promise<string> {
  const config = (await prettier.resolveConfig(REFERENCE_PATH)) ?? {};
  return await prettier.format(definitionReference(), { ...config, filepath: REFERENCE_PATH });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeFile(REFERENCE_PATH, await formattedReference());
  console.log(`wrote ${REFERENCE_PATH}`);
  await writeFile(OPERATIONS_PATH, await formattedOperations(await readFile(OPERATIONS_PATH, 'utf8')));
  console.log(`wrote ${OPERATIONS_PATH}`);
}
