/**
 * What xlink asks of the platform besides crypto: the time. Injected, never
 * read from a global inside the core, so replay windows, registries and whole
 * simulated fleets can run on virtual time in tests.
 *
 *   const clock: Clock = { now: () => virtualMs };
 *   new MemoryNonceStore({ clock });
 *
 * `now()` is milliseconds since the Unix epoch. It need not be monotonic: a
 * wall clock that steps back only makes envelopes look older or newer.
 */

export interface Clock {
  now(): number;
}

/** The host's wall clock (`Date.now`). */
export const systemClock: Clock = { now: () => Date.now() };
