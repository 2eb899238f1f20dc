/**
 * Dashboard test helpers: a real dashboard server over the suite's PipelineClient, an SSE reader, the
 * page built on demand, and Debian's Chromium driven by playwright-core.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { PipelineClient } from '../../src/client.js';
import {
  startDashboard,
  type RunningDashboard,
  type StartDashboardOptions,
} from '../../src/dashboard/server.js';
import { buildWeb, WEB_OUT_DIR, WEB_SOURCE_DIR } from '../../src/dashboard/web-build.js';
import { PROJECT_ROOT } from '../../src/dev/temporal-cli.js';

export const CHROMIUM_PATH = process.env.STEPLINE_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, 'tests', 'artifacts');

/** The flags the machine notes call for: headless, no sandbox (root), no calls home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface TestDashboard {
  url: string;
  running: RunningDashboard;
  /** The dashboard's own client (its own connection, on the suite's task queue). */
  client: PipelineClient;
}

/**
 * Starts a dashboard on a free loopback port before the suite and stops it after. It gets its own
 * connection (so it outlives the harness's client during teardown) on the suite's task queue, read
 * lazily because the harness fills it in its own `before`.
 */
export function useDashboard(
  settings: () => { address: string; namespace: string; taskQueue: string },
  options: Omit<StartDashboardOptions, 'client'> = {},
): TestDashboard {
  const dashboard = {} as TestDashboard;
  before(async () => {
    const { address, namespace, taskQueue } = settings();
    dashboard.client = await PipelineClient.connect({ address, namespace, taskQueue });
    dashboard.running = await startDashboard({
      port: 0,
      host: '127.0.0.1',
      pollIntervalMs: 150,
      ...options,
      client: dashboard.client,
    });
    dashboard.url = dashboard.running.url;
  });
  after(async () => {
    await dashboard.running?.close();
    await dashboard.client?.close();
  });
  return dashboard;
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Reads an SSE stream until it ends (or `timeoutMs` passes, then fails). */
export async function readSse(
  url: string,
  options: { headers?: Record<string, string>; timeoutMs?: number; onEvent?: (e: SseEvent) => void } = {},
): Promise<SseEvent[]> {
  const abort = AbortSignal.timeout(options.timeoutMs ?? 20_000);
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...options.headers },
    signal: abort,
  });
  if (!response.ok || !response.body)
    throw new Error(`SSE ${url}: HTTP ${response.status} ${await response.text()}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const event: SseEvent = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || line === '') continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.event = value;
        if (field === 'data') data.push(value);
        if (field === 'id') event.id = value;
      }
      if (data.length === 0) continue;
      event.data = data.join('\n');
      events.push(event);
      options.onEvent?.(event);
    }
  }
  return events;
}

/** Builds the page into dist/web unless it is there and newer than every source file. */
export async function ensureWebBuilt(): Promise<void> {
  const index = path.join(WEB_OUT_DIR, 'index.html');
  const sources = [WEB_SOURCE_DIR, path.join(PROJECT_ROOT, 'src', 'dashboard', 'api-types.ts')];
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(sources)) return;
  await buildWeb();
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const p of paths) {
    const stat = statSync(p);
    if (stat.isDirectory()) {
      const entries = readdirSync(p, { recursive: true, encoding: 'utf8' }).map((e) => path.join(p, e));
      for (const entry of entries) newest = Math.max(newest, statSync(entry).mtimeMs);
    } else newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Launches headless Chromium (call only when {@link chromiumAvailable}). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** Where a screenshot named `name` goes (tests/artifacts, ignored by git). */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}
