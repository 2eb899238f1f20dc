/** CPU time of the processes a benchmark involves, to say where extra wall time goes. */
import { readFileSync } from 'node:fs';

/** Which processes to account: the dev server, the worker process, and this one (the client). */
export interface CpuProcesses {
  server?: number;
  worker: number;
}

/** CPU seconds (user + system) spent so far, per process. */
export interface CpuSample {
  server: number;
  worker: number;
  client: number;
}

/** utime + stime of a Linux process in seconds; NaN where /proc is unavailable. */
function procCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

export function cpuSample(processes: CpuProcesses): CpuSample {
  const self = process.cpuUsage();
  return {
    server: procCpuSeconds(processes.server),
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
