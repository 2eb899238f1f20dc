/**
 * Following a pipeline until it ends (or, with `untilBlocked`, until it waits for a person): a live frame
 * on a terminal, one plain line per change otherwise, or one JSON document per change with `json`.
 */
import type { PipelineClient } from '../client.js';
import {
  isTerminalStatus,
  WAITING_PIPELINE_STATUSES,
  type PipelineProgress,
  type PipelineStatus,
} from '../pipeline/progress.js';
import { CliError, EXIT, isNamed } from './exit.js';
import type { Terminal } from './context.js';
import { frameLines, plainLines, summaryLine } from './render.js';

export interface FollowOptions {
  terminal: Terminal;
  /** Stop when the pipeline waits for an approval or an intervention. */
  untilBlocked?: boolean;
  /** One JSON progress document per line instead of text. */
  json?: boolean;
  /** How to call the CLI in suggested commands. */
  command: string;
  /** Poll interval (default 500 ms). */
  intervalMs?: number;
}

const WAITING: readonly PipelineStatus[] = WAITING_PIPELINE_STATUSES;

/** Whether following should stop at this progress. */
export function isStopPoint(progress: PipelineProgress, untilBlocked: boolean): boolean {
  return isTerminalStatus(progress.status) || (untilBlocked && WAITING.includes(progress.status));
}

interface View {
  update(progress: PipelineProgress): void;
  close(last: PipelineProgress | undefined, interrupted: boolean): void;
}

/** Follows `pipelineId`; returns the last progress seen. Ctrl-C stops following (the pipeline goes on). */
export async function follow(
  client: PipelineClient,
  pipelineId: string,
  options: FollowOptions,
): Promise<PipelineProgress> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  const view: View = options.json
    ? jsonView(options.terminal)
    : options.terminal.isTTY
      ? new LiveView(options.terminal, options.command)
      : plainView(options.terminal, options.command);
  let last: PipelineProgress | undefined;
  try {
    for await (const progress of resilientWatch(
      client,
      pipelineId,
      options.intervalMs ?? 500,
      controller.signal,
    )) {
      last = progress;
      view.update(progress);
      if (isStopPoint(progress, options.untilBlocked ?? false)) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    view.close(last, controller.signal.aborted);
  }
  if (controller.signal.aborted || !last) {
    throw new CliError(
      `stopped watching ${pipelineId}; it goes on: ${options.command} watch ${pipelineId}`,
      EXIT.interrupted,
    );
  }
  return last;
}

/** `client.watch`, restarted after transient errors (a worker restarting, the server briefly away). */
async function* resilientWatch(
  client: PipelineClient,
  pipelineId: string,
  intervalMs: number,
  signal: AbortSignal,
): AsyncIterable<PipelineProgress> {
  let failures = 0;
  for (;;) {
    try {
      for await (const progress of client.watch(pipelineId, { intervalMs, signal })) {
        failures = 0;
        yield progress;
      }
      return;
    } catch (err) {
      if (isNamed(err, 'PipelineNotFoundError') || signal.aborted) throw err;
      failures += 1;
      if (failures > 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * failures)));
      if (signal.aborted) return;
    }
  }
}

function jsonView(terminal: Terminal): View {
  return {
    update: (progress) => terminal.write(`${JSON.stringify(progress)}\n`),
    close: () => undefined,
  };
}

function plainView(terminal: Terminal, command: string): View {
  let previous: PipelineProgress | undefined;
  return {
    update(progress) {
      const lines = plainLines(previous, progress, { command });
      if (lines.length) terminal.write(`${lines.join('\n')}\n`);
      previous = progress;
    },
    close(last) {
      if (last && isTerminalStatus(last.status)) terminal.write(`${summaryLine(last)}\n`);
    },
  };
}

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** Redraws the frame in place on every change and every 200 ms (spinner, elapsed time, ETA). */
class LiveView implements View {
  private progress?: PipelineProgress;
  private receivedAt = 0;
  private drawn = 0;
  private tick = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly restoreCursor = () => this.terminal.write(SHOW_CURSOR);

  constructor(
    private readonly terminal: Terminal,
    private readonly command: string,
  ) {
    terminal.write(HIDE_CURSOR);
    process.once('exit', this.restoreCursor);
    this.timer = setInterval(() => {
      this.tick += 1;
      this.draw();
    }, 200);
    this.timer.unref();
  }

  update(progress: PipelineProgress): void {
    this.progress = progress;
    this.receivedAt = Date.now();
    this.draw();
  }

  close(last: PipelineProgress | undefined): void {
    clearInterval(this.timer);
    this.draw();
    this.terminal.write(SHOW_CURSOR);
    process.off('exit', this.restoreCursor);
    if (last && isTerminalStatus(last.status)) this.terminal.write(`${summaryLine(last)}\n`);
  }

  private draw(): void {
    if (!this.progress) return;
    const now = Date.now();
    const { etaMs } = this.progress;
    const progress =
      etaMs !== undefined
        ? { ...this.progress, etaMs: Math.max(0, etaMs - (now - this.receivedAt)) }
        : this.progress;
    const lines = frameLines(progress, {
      color: this.terminal.color,
      now,
      width: this.terminal.columns - 1,
      height: this.terminal.rows - 1,
      command: this.command,
      tick: this.tick,
    });
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    this.terminal.write(`${up}\x1b[0J${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
