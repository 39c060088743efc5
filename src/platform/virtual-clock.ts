/**
 * A clock and timer that move only when told: for tests and simulated fleets.
 *
 *   const clock = new VirtualClock(Date.UTC(2026, 0, 1));
 *   const store = new MemoryNonceStore({ clock });
 *   clock.advance(30_000);   // timers due by then fire, in order
 *   clock.set(clock.now() - 20_000); // a wall clock stepping back, as NTP does
 *
 * Timers fire only inside `advance`, synchronously, earliest first (ties in
 * the order they were set); a timer set by a firing timer fires in the same
 * `advance` when it falls due within it. `set` moves the time without firing
 * anything, backwards too.
 */
import { xlinkError } from '../errors.js';
import type { Clock } from './clock.js';
import type { Timer, TimerHandle } from './timer.js';

interface Pending {
  readonly due: number;
  readonly order: number;
  readonly callback: () => void;
}

export class VirtualClock implements Clock, Timer {
  #now: number;
  #order = 0;
  readonly #pending = new Map<number, Pending>();

  constructor(startMs = 0) {
    this.#now = checkedTime(startMs, 'startMs');
  }

  now(): number {
    return this.#now;
  }

  /** Timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#pending.size;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    if (typeof callback !== 'function') {
      throw xlinkError('INVALID_ARGUMENT', '"callback" expected a function', { field: 'callback' });
    }
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const handle = ++this.#order;
    this.#pending.set(handle, { due: this.#now + delay, order: handle, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#pending.delete(handle);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw xlinkError('INVALID_ARGUMENT', `"ms" expected a finite number >= 0, got ${String(ms)}`, { field: 'ms' });
    }
    const end = this.#now + ms;
    for (let next = this.#nextDue(end); next !== undefined; next = this.#nextDue(end)) {
      const [handle, timer] = next;
      this.#pending.delete(handle);
      if (timer.due > this.#now) this.#now = timer.due;
      timer.callback();
    }
    this.#now = end;
  }

  /** Sets the time, forwards or backwards, firing nothing. */
  set(ms: number): void {
    this.#now = checkedTime(ms, 'ms');
  }

  #nextDue(end: number): [number, Pending] | undefined {
    let next: [number, Pending] | undefined;
    for (const entry of this.#pending) {
      const timer = entry[1];
      if (timer.due > end) continue;
      if (next === undefined || timer.due < next[1].due || (timer.due === next[1].due && timer.order < next[1].order)) {
        next = entry;
      }
    }
    return next;
  }
}

function checkedTime(value: number, field: string): number {
  if (Number.isFinite(value)) return value;
  throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a finite number of milliseconds`, { field });
}
