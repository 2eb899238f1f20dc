/**
 * Builds the dashboard page (`web/`, Preact) with Vite into `dist/web`: `npm run build:web`, or
 * {@link buildWeb} from tests. Development-only: needs the `vite` dev dependency.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig } from 'vite';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_SOURCE_DIR = path.join(PROJECT_ROOT, 'web');
export const WEB_OUT_DIR = path.join(PROJECT_ROOT, 'dist', 'web');

/** The Vite configuration of the page (no config file: this is it). */
export function webBuildConfig(outDir = WEB_OUT_DIR): InlineConfig {
  return {
    configFile: false,
    root: WEB_SOURCE_DIR,
    base: '/',
    logLevel: 'warn',
    esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
    resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      // Everything from this origin (the CSP allows nothing inline): no inlined assets or scripts.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
    },
  };
}

/** Builds the page into `outDir` (default `dist/web`). */
export async function buildWeb(outDir = WEB_OUT_DIR): Promise<void> {
  const { build } = await import('vite');
  await build(webBuildConfig(outDir));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  await buildWeb();
  console.log(
    `stepline: dashboard page built into ${path.relative(process.cwd(), WEB_OUT_DIR) || '.'} in ${Date.now() - t0} ms`,
  );
}
