import type { Command } from 'commander';
import type { PipelineClient } from '../../client.js';
import { commandPrefix, processTerminal } from '../context.js';
import { exitCodeForStatus } from '../exit.js';
import { follow } from '../follow.js';

export interface FollowFlags {
  watch?: boolean;
  untilBlocked?: boolean;
  json?: boolean;
  interval?: string;
}

/** Follows the pipeline on this terminal and turns where it stopped into the exit code. */
export async function followToExit(
  client: PipelineClient,
  pipelineId: string,
  command: Command,
  flags: FollowFlags,
): Promise<number> {
  const untilBlocked = flags.untilBlocked ?? false;
  const progress = await follow(client, pipelineId, {
    terminal: processTerminal(),
    untilBlocked,
    json: flags.json ?? false,
    command: commandPrefix(command),
    ...(flags.interval ? { intervalMs: intervalOf(flags.interval) } : {}),
  });
  return exitCodeForStatus(progress.status, untilBlocked);
}

function intervalOf(value: string): number {
  const ms = Number(value);
  return Number.isFinite(ms) && ms >= 50 ? ms : 500;
}
