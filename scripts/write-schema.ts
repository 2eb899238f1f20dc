/** Regenerates schema/pipeline.schema.json from the zod definition schema: `npx tsx scripts/write-schema.ts`. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { pipelineJsonSchema } from '../src/pipeline/json-schema.js';

const target = fileURLToPath(new URL('../schema/pipeline.schema.json', import.meta.url));
const config = (await prettier.resolveConfig(target)) ?? {};
const text = await prettier.format(JSON.stringify(pipelineJsonSchema(), null, 2), {
  ...config,
  filepath: target,
});
await writeFile(target, text);
console.log(`wrote ${target}`);
