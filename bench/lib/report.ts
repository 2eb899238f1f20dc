/** The results table (markdown) and the files a run writes to `bench/results/`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Row, ServerKind } from './context.js';

export const SERVER_LABELS: Record<ServerKind, string> = {
  sqlite: 'SQLite file (WAL, sync off)',
  memory: 'in memory',
  cluster: 'cluster (PostgreSQL, 4 services)',
};

const escape = (text: string) => text.replace(/\|/g, '\\|');

/** One line per (id, metric); one value column per server; targets and whether each server meets them. */
export function markdownTable(rowsByServer: Partial<Record<ServerKind, Row[]>>): string {
  const servers = Object.keys(rowsByServer) as ServerKind[];
  const lines = new Map<
    string,
    { id: string; metric: string; target?: string; cells: Partial<Record<ServerKind, Row>> }
  >();
  for (const server of servers) {
    for (const row of rowsByServer[server] ?? []) {
      const key = `${row.id}\u0000${row.metric}`;
      const line = lines.get(key) ?? { id: row.id, metric: row.metric, cells: {} };
      line.target ??= row.target;
      line.cells[server] = row;
      lines.set(key, line);
    }
  }
  const ordered = [...lines.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const header = ['', 'Metric', ...servers.map((s) => SERVER_LABELS[s]), 'Target', 'Met'];
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const line of ordered) {
    const met = servers
      .map((s) => line.cells[s])
      .filter((row): row is Row => row?.met !== undefined)
      .map((row) => (row.met ? 'yes' : '**no**'));
    const cells = [
      line.id,
      escape(line.metric),
      ...servers.map((s) => escape(line.cells[s]?.value ?? '—')),
      escape(line.target ?? ''),
      met.join(' · '),
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  return out.join('\n');
}

/** Writes `<stamp>.json` and `<stamp>.md`; returns their paths. */
export function writeResults(
  dir: string,
  stamp: string,
  json: Record<string, unknown>,
  markdown: string,
): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, `${stamp}.json`), md: path.join(dir, `${stamp}.md`) };
  writeFileSync(files.json, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(files.md, markdown);
  return files;
}
