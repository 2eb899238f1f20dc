import type { Command } from 'commander';
import type { PipelineClient, StartedPipeline } from '../../client.js';
import { commandPrefix, print, processTerminal } from '../context.js';
import { EXIT, exitCodeForStatus } from '../exit.js';
import { follow } from '../follow.js';

export interface FollowFlags {
  watch?: boolean;
  untilBlocked?: boolean;
  json?: boolean;
  interval?: string;
}

/**
 * What `run` and `resume` say once a pipeline has started (`verb`: `started`, `resumed`): its ids as JSON
 * with `--json`, else a line and how to follow it; with `--watch`/`--until-blocked` it is followed to the end.
 */
export async function reportStarted(
  client: PipelineClient,
  started: StartedPipeline,
  verb: string,
  command: Command,
  flags: FollowFlags,
): Promise<number> {
  const following = Boolean(flags.watch || flags.untilBlocked);
  if (flags.json && !following) {
    print(JSON.stringify(started));
    return EXIT.ok;
  }
  if (!flags.json) {
    print(`${verb} ${started.pipelineId} (run ${started.runId})`);
    if (!following) print(`follow it: ${commandPrefix(command)} watch ${started.pipelineId}`);
  }
  return following ? await followToExit(client, started.pipelineId, command, flags) : EXIT.ok;
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
