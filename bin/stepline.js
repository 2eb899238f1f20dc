#!/usr/bin/env node
// The `stepline` command. In a checkout of the repository (src/ present) it loads the TypeScript CLI
// through tsx, so no build step is needed and a stale dist/ is never run. The installed package has no
// src/: it runs the compiled CLI (dist/, `npm run build`) and needs neither tsx nor TypeScript.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
