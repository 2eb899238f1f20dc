/** Temporal's two PostgreSQL databases, created and brought to the server's schema by its own tool. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ClusterSetupError, type ServerBinaries } from './binaries.js';
import type { DatabaseEndpoint } from './postgres.js';

/** Temporal's own store and its visibility store (SQL visibility: `stepline list` and search attributes). */
export const DATABASES = [
  { name: 'temporal', schema: 'temporal' },
  { name: 'temporal_visibility', schema: 'visibility' },
] as const;

function sqlTool(
  binaries: ServerBinaries,
  db: DatabaseEndpoint,
  database: string,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  const connection = [
    '--plugin',
    'postgres12',
    '--ep',
    db.host,
    '-p',
    String(db.port),
    '-u',
    db.user,
    '--db',
    database,
  ];
  return new Promise((resolve, reject) => {
    // The password goes by environment (SQL_PASSWORD), never on a command line others can read.
    const child = spawn(binaries.sqlTool, [...connection, ...args], {
      env: { ...process.env, SQL_PASSWORD: db.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * Creates both databases where missing, sets up the base schema on a new one and applies every versioned
 * upgrade not applied yet. Safe to run again (a restart with `--keep`, or a newer server).
 */
export async function setUpSchemas(binaries: ServerBinaries, db: DatabaseEndpoint): Promise<void> {
  for (const { name, schema } of DATABASES) {
    const created = await sqlTool(binaries, db, name, ['create']);
    if (created.code !== 0 && !/already exists/i.test(created.output))
      throw new ClusterSetupError(`temporal-sql-tool create ${name} failed:\n${created.output}`);
    // Idempotent: on a database already past 0.0 it only says so.
    const setup = await sqlTool(binaries, db, name, ['setup-schema', '-v', '0.0']);
    if (setup.code !== 0)
      throw new ClusterSetupError(`temporal-sql-tool setup-schema on ${name} failed:\n${setup.output}`);
    const update = await sqlTool(binaries, db, name, [
      'update-schema',
      '-d',
      path.join(binaries.schemaDir, schema, 'versioned'),
    ]);
    if (update.code !== 0)
      throw new ClusterSetupError(`temporal-sql-tool update-schema on ${name} failed:\n${update.output}`);
  }
}
