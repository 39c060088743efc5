/**
 * Timers, injected for the same reason as the clock: reconnect backoff,
 * batching and simulated fleets run on virtual time in tests.
 *
 *   const handle = timer.setTimeout(() => retry(), 500);
 *   timer.clearTimeout(handle);
 */

/** An opaque handle: whatever the platform's setTimeout returns. */
export type TimerHandle = unknown;

export interface Timer {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The timer functions every JavaScript host defines; the portable core has no DOM or Node types to name them. */
interface HostTimers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The host's timers (`globalThis.setTimeout`), looked up when called, not at import. */
export const systemTimer: Timer = {
  setTimeout: (callback, delayMs) => (globalThis as unknown as HostTimers).setTimeout(callback, delayMs),
  clearTimeout: (handle) => (globalThis as unknown as HostTimers).clearTimeout(handle),
};
