/**
 * A value or a promise of it: what a capability returns when some platforms
 * answer synchronously (noble, node:crypto, flash storage) and others cannot
 * (Web Crypto). Callers `await` it; a synchronous caller may use it only with
 * an implementation it knows to be synchronous.
 */
export type Awaitable<T> = T | Promise<T>;
