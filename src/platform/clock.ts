/**
 * Time, injected: replay windows, registries, sessions and whole simulated
 * fleets read a `Clock`, never a global, so tests run on virtual time.
 *
 *   const store = new MemoryNonceStore({ clock: systemClock });
 *   const steady = nonDecreasing(systemClock); // for state that must not trust a clock that went back
 *
 * `now()` is milliseconds since the Unix epoch. A wall clock may step back
 * (an NTP correction after running fast): whatever would reopen a replay when
 * time runs backwards reads it through `nonDecreasing`.
 */

export interface Clock {
  now(): number;
}

/** The host's wall clock (`Date.now`). */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A view of `clock` that never goes back: each reading is the highest seen so
 * far, starting from `floor` (a high-water mark persisted by a store). Replay
 * state expires against it, so an envelope refused as stale stays refused
 * after the wall clock steps back.
 */
export function nonDecreasing(clock: Clock, floor: number = Number.NEGATIVE_INFINITY): Clock {
  let highest = floor;
  return {
    now() {
      const reading = clock.now();
      if (reading > highest) highest = reading;
      return highest;
    },
  };
}
