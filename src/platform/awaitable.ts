/**
 * A value or a promise of it: what a capability returns when some platforms
 * answer synchronously (noble, node:crypto, flash storage) and others cannot
 * (Web Crypto). Callers `await` it; a synchronous caller may use it only with
 * an implementation it knows to be synchronous.
 *
 *   const saved = andThen(storage.get('ctr'), (bytes) => parse(bytes)); // sync in, sync out
 *
 * `andThen` keeps a chain synchronous while every step is, so one code path
 * serves engines without `Promise` (Duktape, Espruino) and async hosts alike.
 */
export type Awaitable<T> = T | Promise<T>;

/** Whether `value` is a promise (any thenable); never reads the `Promise` global, which ES5 engines lack. */
export function isPromiseLike<T>(value: Awaitable<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * `next(value)` now when `value` is plain, after it resolves when it is a
 * promise. A synchronous throw stays synchronous; a rejection stays a rejection.
 */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return isPromiseLike(value) ? value.then(next) : next(value);
}
