/**
 * The one data-moving loop of the threshold scheme: each output piece is the
 * XOR of a list of input pieces. Buffers are viewed as 64-bit words when every
 * buffer and the piece length allow it (the 1 MB case, and encoded shares,
 * whose data starts at offset 24), else as 32-bit words, else as bytes.
 *
 *   runXorPlan(plan, [secret, random], [share2, share3], pieceLength);
 *
 * Why it is shaped like this (measured on Node 20):
 * - Blocked: all output pieces are computed one block of BLOCK units at a
 *   time, so each block of an input is read from memory once and then from
 *   cache by every output that needs it (a 2-of-3 split of 1 MB reads the
 *   secret and the random element once, not four times).
 * - Small kernels over views that start at 0, one loop each: loops indexing
 *   with offsets inside one large function ran at several times the cost of
 *   the plain XOR pass.
 * - 64-bit words halve the iterations, which is what these loops pay for:
 *   about twice as fast as 32-bit ones. BigInt and number XORs get separate
 *   kernels, since one loop seeing both falls back to V8's generic operator.
 * - Each pass combines up to three sources, so an output word is written once
 *   per three sources.
 */

/** A piece of an input buffer: which buffer, which piece. */
export interface PieceRef {
  readonly buffer: number;
  readonly piece: number;
}

/** For every output buffer, for every piece of it, the input pieces whose XOR it is. */
export type XorPlan = readonly (readonly (readonly PieceRef[])[])[];

type NumberView = Uint8Array | Int32Array;
type View = NumberView | BigUint64Array;

/** Units (words or bytes) per block: 64 KiB of words, so a block of every input of a 3-of-5 split fits in L2. */
const BLOCK = 16384;

/** Int32, not Uint32: XOR yields int32 values, which V8 stores into an Int32Array without conversion. */
function wordView(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
}

/** 64-bit words: half the iterations of 32-bit ones; V8 keeps the BigInts of these loops unboxed. */
function longView(bytes: Uint8Array): BigUint64Array {
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 3);
}

/** True when `bytes` can be viewed as 32-bit words (4-aligned offset and length). */
export function isWordAligned(bytes: Uint8Array): boolean {
  return (bytes.byteOffset & 3) === 0 && (bytes.byteLength & 3) === 0;
}

function isLongAligned(bytes: Uint8Array): boolean {
  return (bytes.byteOffset & 7) === 0 && (bytes.byteLength & 7) === 0;
}

/**
 * Writes every output piece. Inputs and outputs must not overlap; each buffer
 * holds its pieces back to back, `pieceLength` bytes each.
 */
export function runXorPlan(
  plan: XorPlan,
  inputs: readonly Uint8Array[],
  outputs: readonly Uint8Array[],
  pieceLength: number,
): void {
  const longs = (pieceLength & 7) === 0 && inputs.every(isLongAligned) && outputs.every(isLongAligned);
  const words = !longs && (pieceLength & 3) === 0 && inputs.every(isWordAligned) && outputs.every(isWordAligned);
  const length = longs ? pieceLength >>> 3 : words ? pieceLength >>> 2 : pieceLength;
  const view: (bytes: Uint8Array) => View = longs ? longView : words ? wordView : (bytes) => bytes;
  const inViews: View[] = inputs.map(view);
  const outViews: View[] = outputs.map(view);
  for (let start = 0; start < length; start += BLOCK) {
    const count = Math.min(BLOCK, length - start);
    for (let o = 0; o < plan.length; o++) {
      const pieces = plan[o] as readonly (readonly PieceRef[])[];
      const out = outViews[o] as View;
      for (let t = 0; t < pieces.length; t++) {
        xorBlock(out, t * length + start, pieces[t] as readonly PieceRef[], inViews, length, start, count);
      }
    }
  }
}

/** One block of one output piece: the first pass writes (up to three sources), later passes accumulate. */
function xorBlock(
  out: View,
  at: number,
  refs: readonly PieceRef[],
  inputs: readonly View[],
  length: number,
  start: number,
  count: number,
): void {
  const target = out.subarray(at, at + count);
  if (refs.length === 0) {
    if (target instanceof BigUint64Array) target.fill(0n);
    else target.fill(0);
    return;
  }
  // Views from 0, so every kernel indexes like the XOR floor does: no offsets to add or check.
  const source = (r: number): View => {
    const ref = refs[r] as PieceRef;
    const from = ref.piece * length + start;
    return (inputs[ref.buffer] as View).subarray(from, from + count);
  };
  // BigInt and number XORs in one loop would make V8 fall back to its generic operator: separate kernels.
  const k = target instanceof BigUint64Array ? LONG_KERNELS : NUMBER_KERNELS;
  if (refs.length === 1) target.set(source(0) as never);
  else if (refs.length === 2) k.xor2(target as never, source(0) as never, source(1) as never);
  else k.xor3(target as never, source(0) as never, source(1) as never, source(2) as never);
  for (let r = 3; r < refs.length; r += 3) {
    const left = refs.length - r;
    if (left === 1) k.xorInto1(target as never, source(r) as never);
    else if (left === 2) k.xorInto2(target as never, source(r) as never, source(r + 1) as never);
    else k.xorInto3(target as never, source(r) as never, source(r + 1) as never, source(r + 2) as never);
  }
}

interface Kernels<V> {
  xor2(out: V, a: V, b: V): void;
  xor3(out: V, a: V, b: V, c: V): void;
  xorInto1(out: V, a: V): void;
  xorInto2(out: V, a: V, b: V): void;
  xorInto3(out: V, a: V, b: V, c: V): void;
}

const NUMBER_KERNELS: Kernels<NumberView> = { xor2, xor3, xorInto1, xorInto2, xorInto3 };
const LONG_KERNELS: Kernels<BigUint64Array> = {
  xor2: xor2Long,
  xor3: xor3Long,
  xorInto1: xorInto1Long,
  xorInto2: xorInto2Long,
  xorInto3: xorInto3Long,
};

function xor2(out: NumberView, a: NumberView, b: NumberView): void {
  for (let i = 0; i < out.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
}

function xor3(out: NumberView, a: NumberView, b: NumberView, c: NumberView): void {
  for (let i = 0; i < out.length; i++) out[i] = (a[i] as number) ^ (b[i] as number) ^ (c[i] as number);
}

function xorInto1(out: NumberView, a: NumberView): void {
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) ^ (a[i] as number);
}

function xorInto2(out: NumberView, a: NumberView, b: NumberView): void {
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) ^ (a[i] as number) ^ (b[i] as number);
}

function xorInto3(out: NumberView, a: NumberView, b: NumberView, c: NumberView): void {
  for (let i = 0; i < out.length; i++) {
    out[i] = (out[i] as number) ^ (a[i] as number) ^ (b[i] as number) ^ (c[i] as number);
  }
}

function xor2Long(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = (a[i] as bigint) ^ (b[i] as bigint);
}

function xor3Long(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, c: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = (a[i] as bigint) ^ (b[i] as bigint) ^ (c[i] as bigint);
}

function xorInto1Long(out: BigUint64Array, a: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as bigint) ^ (a[i] as bigint);
}

function xorInto2Long(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as bigint) ^ (a[i] as bigint) ^ (b[i] as bigint);
}

function xorInto3Long(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array, c: BigUint64Array): void {
  for (let i = 0; i < out.length; i++) {
    out[i] = (out[i] as bigint) ^ (a[i] as bigint) ^ (b[i] as bigint) ^ (c[i] as bigint);
  }
}
