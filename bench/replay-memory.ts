/**
 * One memory figure of the replay suite, measured in a process of its own so
 * that no other case's garbage (array buffers are freed lazily) is in its
 * readings. bench/replay.ts starts it; by hand:
 *
 *   node --expose-gc --import tsx bench/replay-memory.ts fleet 131073   # prints {"bytesPerEntry":…}
 *
 * Cases: `fleet` (8 nonces per sender), `one-sender`, `new-senders` (every
 * nonce from a sender not seen before), `counters` (one 64-bit counter window
 * per sender). Heap plus array buffers, after full collections, before and
 * after filling a fresh MemoryNonceStore, divided by the entries added.
 * Sender DID strings are made, and flattened, before the first reading: a
 * receiver's registry holds them already. What the store adds per sender is
 * counted. Limits: Node only; needs --expose-gc.
 */
import { MemoryNonceStore } from '../src/replay/memory-nonce-store.js';

export const MEMORY_CASES = ['fleet', 'one-sender', 'new-senders', 'counters'] as const;
export type MemoryCase = (typeof MEMORY_CASES)[number];

const gc = (globalThis as { gc?: () => void }).gc;

async function liveBytes(): Promise<number> {
  if (gc === undefined) throw new Error('run with node --expose-gc');
  // Array buffers are released a turn of the event loop after the collection that found them dead.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function measure(which: MemoryCase, entries: number): Promise<number> {
  const senderCount = which === 'fleet' ? Math.ceil(entries / 8) : which === 'one-sender' ? 1 : entries;
  const senders = Array.from({ length: senderCount }, (_, i) => `did:key:z6Mk${i.toString(36).padStart(44, '0')}`);
  for (const sender of senders) sender.charCodeAt(0); // flattened now, not while the store fills
  const nonce = new Uint8Array(16);
  const view = new DataView(nonce.buffer);
  const now = 1_700_000_000_000;
  const clock = { now: () => now };
  const before = await liveBytes();
  const store = new MemoryNonceStore({ clock, maxSenders: entries });
  for (let i = 0; i < entries; i++) {
    const sender = senders[i % senderCount] as string;
    view.setUint32(0, i);
    // Dated now: nothing expires while the store fills.
    const result =
      which === 'counters'
        ? await store.acceptCounter(sender, 1, now)
        : await store.reserveNonce(sender, nonce.slice(), now);
    if (!result.ok) throw new Error(`${which} ${i}: ${result.error.code}: ${result.error.message}`);
  }
  const after = await liveBytes();
  // Both stay alive up to the second reading.
  if (store.size < 0 || senders.length !== senderCount) throw new Error('unreachable');
  return (after - before) / entries;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [which, count] = process.argv.slice(2);
  if (!MEMORY_CASES.includes(which as MemoryCase) || !Number.isSafeInteger(Number(count))) {
    throw new Error(`usage: bench/replay-memory.ts ${MEMORY_CASES.join('|')} ENTRIES`);
  }
  console.log(JSON.stringify({ bytesPerEntry: await measure(which as MemoryCase, Number(count)) }));
}
