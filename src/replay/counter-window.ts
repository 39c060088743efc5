/**
 * The sliding anti-replay window for per-sender counters, after RFC 4303
 * §3.4.3 and Appendix A2: the highest counter accepted so far plus a bitmap of
 * the `size` values just below it. Constant state per sender, whatever the
 * counter values.
 *
 *   const window = createCounterWindow(64);
 *   acceptCounterInWindow(window, 7); // true
 *   acceptCounterInWindow(window, 5); // true: below 7 but inside the window, unseen
 *   acceptCounterInWindow(window, 7); // false: seen
 *   const saved = serializeCounterWindow(window); // "7:00000002"
 *
 * Counters are safe integers 0 … 2^53-1. A value more than `size` below the
 * highest is refused even if it was never seen: the window cannot tell. The
 * bitmap is 32-bit words, never BigInt, which device engines (Espruino) lack.
 * Limits: pure functions, not synchronised; a store serialises calls per sender.
 */
import { xlinkError } from '../errors.js';

/** Bits in the window unless configured otherwise (RFC 4303's recommended minimum is 32). */
export const DEFAULT_COUNTER_WINDOW = 64;
/** Largest window size: 32 words of state per sender. */
export const MAX_COUNTER_WINDOW = 1024;
/** The largest counter, 2^53-1: the largest integer a JavaScript number holds exactly. */
export const MAX_COUNTER: number = Number.MAX_SAFE_INTEGER;

export interface CounterWindow {
  /** The highest counter accepted so far; -1 before the first. */
  top: number;
  /** Bit i (word i >>> 5, bit i & 31) is set when counter `top - 1 - i` was accepted. */
  readonly bits: Uint32Array;
}

/** `new`: accept it; `seen`: accepted before; `below-window`: too far below the highest to know. */
export type CounterStatus = 'new' | 'seen' | 'below-window';

/** True for a window size this module accepts: a multiple of 32 from 32 to 1024. */
export function isCounterWindowSize(size: unknown): size is number {
  return (
    typeof size === 'number' && Number.isInteger(size) && size >= 32 && size <= MAX_COUNTER_WINDOW && size % 32 === 0
  );
}

/** True for a counter value: a safe integer from 0 to 2^53-1. */
export function isCounter(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** An empty window of `size` bits (a multiple of 32, up to 1024); throws `INVALID_ARGUMENT` otherwise. */
export function createCounterWindow(size: number = DEFAULT_COUNTER_WINDOW): CounterWindow {
  if (!isCounterWindowSize(size)) {
    throw xlinkError(
      'INVALID_ARGUMENT',
      `"counterWindow" expected a multiple of 32 from 32 to ${MAX_COUNTER_WINDOW}, got ${String(size)}`,
      { field: 'counterWindow' },
    );
  }
  return { top: -1, bits: new Uint32Array(size / 32) };
}

/** What `counter` would be in `window`, without changing it. `counter` must satisfy `isCounter`. */
export function counterStatus(window: CounterWindow, counter: number): CounterStatus {
  return counterStatusAt(window.bits, 0, window.bits.length, window.top, counter);
}

/** Records `counter`, whose status must be `new`: slides the window up, or sets its bit. */
export function markCounter(window: CounterWindow, counter: number): void {
  window.top = markCounterAt(window.bits, 0, window.bits.length, window.top, counter);
}

/** Check and update in one step: true (and recorded) when `counter` is new. */
export function acceptCounterInWindow(window: CounterWindow, counter: number): boolean {
  if (counterStatus(window, counter) !== 'new') return false;
  markCounter(window, counter);
  return true;
}

/**
 * `counterStatus` for a window kept inside a larger bitmap: `words` words from
 * `bits[base]`, highest accepted counter `top`. Stores pool every sender's
 * window in one array this way: a CounterWindow object per sender costs about
 * 300 bytes of heap, its words in a shared array 8 (64-bit window).
 */
export function counterStatusAt(
  bits: Uint32Array,
  base: number,
  words: number,
  top: number,
  counter: number,
): CounterStatus {
  if (counter > top) return 'new';
  if (counter === top) return 'seen';
  const index = top - 1 - counter;
  if (index >= words * 32) return 'below-window';
  return ((bits[base + (index >>> 5)] as number) >>> (index & 31)) & 1 ? 'seen' : 'new';
}

/** `markCounter` for a pooled window (see counterStatusAt); returns the new highest counter. */
export function markCounterAt(bits: Uint32Array, base: number, words: number, top: number, counter: number): number {
  if (counter > top) {
    const shift = counter - top;
    if (top < 0 || shift > words * 32) bits.fill(0, base, base + words);
    else {
      shiftUp(bits, base, words, shift);
      // The old highest value is now `shift` below the new one.
      setBit(bits, base, shift - 1);
    }
    return counter;
  }
  setBit(bits, base, top - 1 - counter);
  return top;
}

/** Moves every bit `shift` places up (towards older counters); bits shifted past the end are dropped. */
function shiftUp(bits: Uint32Array, base: number, words: number, shift: number): void {
  const whole = shift >>> 5;
  const offset = shift & 31;
  for (let j = words - 1; j >= 0; j--) {
    const from = j - whole;
    const low = from >= 0 ? (bits[base + from] as number) : 0;
    if (offset === 0) bits[base + j] = low;
    else bits[base + j] = (low << offset) | (from >= 1 ? (bits[base + from - 1] as number) >>> (32 - offset) : 0);
  }
}

function setBit(bits: Uint32Array, base: number, index: number): void {
  const word = base + (index >>> 5);
  bits[word] = (bits[word] as number) | (1 << (index & 31));
}

/**
 * `"<top>:<hex>"`: the highest counter in decimal, then each 32-bit word as 8
 * lowercase hex digits, word 0 first. The Redis store's Lua script reads and
 * writes the same text.
 */
export function serializeCounterWindow(window: CounterWindow): string {
  return serializeCounterWindowAt(window.bits, 0, window.bits.length, window.top);
}

/** `serializeCounterWindow` for a pooled window (see counterStatusAt). */
export function serializeCounterWindowAt(bits: Uint32Array, base: number, words: number, top: number): string {
  let hex = '';
  for (let j = 0; j < words; j++) hex += (bits[base + j] as number).toString(16).padStart(8, '0');
  return `${top}:${hex}`;
}

const STATE_PATTERN = /^(-1|0|[1-9][0-9]{0,15}):((?:[0-9a-f]{8})*)$/;

/**
 * Reads `serializeCounterWindow`'s text into a window of `size` bits; undefined
 * when the text is malformed. A state saved with a smaller window is widened
 * with every new bit set ("seen"): those counters fell out of the old window,
 * so they may have been accepted once and must not be accepted now.
 */
export function parseCounterWindow(text: string, size: number = DEFAULT_COUNTER_WINDOW): CounterWindow | undefined {
  const window = createCounterWindow(size);
  const match = STATE_PATTERN.exec(text);
  if (match === null) return undefined;
  const top = Number(match[1]);
  const hex = match[2] as string;
  if (top > MAX_COUNTER || (top < 0 && /[^0]/.test(hex))) return undefined;
  window.top = top;
  const saved = hex.length / 8;
  for (let i = 0; i < window.bits.length; i++) {
    window.bits[i] = i < saved ? Number.parseInt(hex.slice(8 * i, 8 * i + 8), 16) : top < 0 ? 0 : 0xffffffff;
  }
  return window;
}
