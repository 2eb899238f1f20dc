/** CPU time of the processes a benchmark involves, to say where extra wall time goes. */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Which processes to account: the server's (the dev server; a cluster's four services and PostgreSQL),
 * each with all its descendants (PostgreSQL's backends), the worker process, and this one (the client).
 */
export interface CpuProcesses {
  server: number[];
  worker: number;
}

/** CPU seconds (user + system) spent so far, per process. */
export interface CpuSample {
  server: number;
  worker: number;
  client: number;
}

/** The fields of /proc/<pid>/stat after the command (which may contain spaces); undefined if gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of a Linux process in seconds; NaN where /proc is unavailable. */
function procCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : NaN; // USER_HZ is 100 on Linux
}

/** `pids` and every process below them (one scan of /proc). */
function withDescendants(pids: readonly number[]): number[] {
  if (pids.length === 0) return [];
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [...pids];
  }
  for (const entry of entries) {
    const parent = Number(statFields(Number(entry))?.[1]);
    if (Number.isFinite(parent)) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const all: number[] = [];
  const queue = [...pids];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    all.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return all;
}

/** CPU seconds of `pids` and all their descendants together; NaN for none. */
export function cpuSecondsOf(pids: readonly number[]): number {
  const all = withDescendants(pids);
  return all.length ? all.reduce((sum, pid) => sum + procCpuSeconds(pid), 0) : NaN;
}

export function cpuSample(processes: CpuProcesses): CpuSample {
  const self = process.cpuUsage();
  return {
    server: cpuSecondsOf(processes.server),
    worker: procCpuSeconds(processes.worker),
    client: (self.user + self.system) / 1e6,
  };
}

/** CPU seconds between two samples. */
export function cpuSince(before: CpuSample, processes: CpuProcesses): CpuSample {
  const after = cpuSample(processes);
  return {
    server: after.server - before.server,
    worker: after.worker - before.worker,
    client: after.client - before.client,
  };
}
