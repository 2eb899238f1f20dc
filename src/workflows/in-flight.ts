import { condition } from '@temporalio/workflow';

/**
 * Keeps a run's activities in flight under two bounds: a count below Temporal's 2,000 pending
 * activities, and the input bytes of what is in flight, so that the commands one workflow task sends
 * stay under gRPC's 4 MB. An activity always fits when nothing else is in flight.
 *
 * `acquire` returns nothing when a slot is free, so the caller schedules without an extra `await`:
 * runs below the bounds issue their commands in exactly the order they did before the limiter existed.
 */
export class InFlightLimiter {
  private count = 0;
  private bytes = 0;

  /**
   * @param enforce asked once a caller would have to wait: false for runs recorded before the limiter
   *   existed (they replay as they ran, unbounded).
   */
  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
    private readonly enforce: () => boolean,
  ) {}

  /** Takes a slot for an activity whose input is `bytes`; a promise only when it has to wait for one. */
  acquire(bytes: number): Promise<void> | undefined {
    if (this.fits(bytes) || !this.enforce()) {
      this.take(bytes);
      return undefined;
    }
    return this.waitFor(bytes);
  }

  release(bytes: number): void {
    this.count -= 1;
    this.bytes -= bytes;
  }

  private fits(bytes: number): boolean {
    return this.count === 0 || (this.count < this.maxCount && this.bytes + bytes <= this.maxBytes);
  }

  private take(bytes: number): void {
    this.count += 1;
    this.bytes += bytes;
  }

  private async waitFor(bytes: number): Promise<void> {
    // Every waiter whose predicate holds wakes in the same activation: re-check after waking.
    while (!this.fits(bytes)) await condition(() => this.fits(bytes));
    this.take(bytes);
  }
}
