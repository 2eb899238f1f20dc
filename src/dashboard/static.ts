/**
 * Serves the built page (`dist/web`): files by path, `index.html` for every other non-API path (the
 * page routes by URL hash, so this is only for bookmarks of `/`), and a plain note when the page has
 * not been built.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'hono';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Stepline dashboard</title>
<p>The dashboard page has not been built. Run <code>npm run build:web</code>, then reload.
The API is served under <code>/api/pipelines</code>.</p>`;

/** Answers GET/HEAD requests for the page's files from `root`. */
export async function serveStatic(c: Context, root: string | undefined): Promise<Response> {
  if (!root) return c.html(NOT_BUILT, 404);
  const urlPath = decodeURIComponentSafe(new URL(c.req.url).pathname);
  if (urlPath === undefined || urlPath.includes('\0')) return c.text('bad path', 400);
  const resolved = path.resolve(root, `.${path.posix.normalize(`/${urlPath}`)}`);
  const inside = resolved === root || resolved.startsWith(root + path.sep);
  const file = inside ? await regularFile(resolved) : undefined;
  if (file) return await sendFile(c, file, urlPath.startsWith('/assets/'));
  // Unknown asset paths are real 404s; anything else is the page itself.
  if (urlPath.startsWith('/assets/') || path.extname(urlPath)) return c.text('not found', 404);
  const index = await regularFile(path.join(root, 'index.html'));
  return index ? await sendFile(c, index, false) : c.html(NOT_BUILT, 404);
}

async function sendFile(c: Context, file: string, immutable: boolean): Promise<Response> {
  const body = await readFile(file);
  c.header('Content-Type', CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
  // Vite names assets by content hash; the page itself must always be revalidated.
  c.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (c.req.method === 'HEAD') return c.body(null, 200);
  return c.body(new Uint8Array(body), 200);
}

async function regularFile(file: string): Promise<string | undefined> {
  try {
    return (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function decodeURIComponentSafe(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
