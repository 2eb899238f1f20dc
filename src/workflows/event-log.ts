import type { Decision, ProgressEvent } from '../pipeline/progress.js';
import { LIMITS, truncateText } from '../pipeline/limits.js';

/** An event as a caller records it; the log numbers and dates it. */
export type NewEvent = Omit<ProgressEvent, 'seq' | 'at'>;

/** What a checkpoint carries of the log. */
export interface SavedEventLog {
  events: readonly ProgressEvent[];
  decisions: readonly Decision[];
  eventSeq: number;
}

/**
 * The run's audit trail: the ring of the newest `LIMITS.eventRingSize` progress events and the newest
 * `LIMITS.maxDecisions` decisions. Text fields are cut to the limits, so no entry can grow progress unbounded.
 */
export class EventLog {
  private events: ProgressEvent[];
  private decisions: Decision[];
  private seq: number;

  constructor(saved?: SavedEventLog) {
    this.events = saved ? [...saved.events] : [];
    this.decisions = saved ? [...saved.decisions] : [];
    this.seq = saved?.eventSeq ?? 0;
  }

  /** Adds an event to the ring; returns it as kept. */
  record(now: string, event: NewEvent): ProgressEvent {
    this.seq += 1;
    const recorded: ProgressEvent = { seq: this.seq, at: now, ...boundedEvent(event) };
    this.events.push(recorded);
    if (this.events.length > LIMITS.eventRingSize)
      this.events.splice(0, this.events.length - LIMITS.eventRingSize);
    return recorded;
  }

  decide(now: string, decision: Omit<Decision, 'at'>): void {
    this.decisions.push({
      at: now,
      ...decision,
      ...(decision.by !== undefined ? { by: truncateText(decision.by, LIMITS.maxNameLength) } : {}),
      ...(decision.comment !== undefined
        ? { comment: truncateText(decision.comment, LIMITS.maxCommentLength) }
        : {}),
    });
    if (this.decisions.length > LIMITS.maxDecisions)
      this.decisions.splice(0, this.decisions.length - LIMITS.maxDecisions);
  }

  /** Copies, safe to hand out in progress and checkpoints. */
  saved(): { events: ProgressEvent[]; decisions: Decision[]; eventSeq: number } {
    return { events: [...this.events], decisions: [...this.decisions], eventSeq: this.seq };
  }
}

function boundedEvent(event: NewEvent): NewEvent {
  return {
    ...event,
    message: truncateText(event.message, LIMITS.maxEventMessageLength),
    ...(event.by !== undefined ? { by: truncateText(event.by, LIMITS.maxNameLength) } : {}),
    ...(event.comment !== undefined ? { comment: truncateText(event.comment, LIMITS.maxCommentLength) } : {}),
  };
}
