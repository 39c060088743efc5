/**
 * The one data-moving loop of the threshold scheme: each output piece is the
 * XOR of a list of input pieces, fused so that every word is read once per
 * source and written once per three sources. Buffers are viewed as 32-bit
 * words when every buffer and the piece length allow it (the 1 MB case), as
 * bytes otherwise; the loops are the same for both views.
 *
 *   runXorPlan(plan, [secret, random], [share0, share1, share2], pieceLength);
 */

/** A piece of an input buffer: which buffer, which piece. */
export interface PieceRef {
  readonly buffer: number;
  readonly piece: number;
}

/** For every output buffer, for every piece of it, the input pieces whose XOR it is. */
export type XorPlan = readonly (readonly (readonly PieceRef[])[])[];

type View = Uint8Array | Int32Array;

/** Int32, not Uint32: XOR yields int32 values, which V8 stores into an Int32Array without conversion. */
function wordView(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
}

/** True when `bytes` can be viewed as 32-bit words (4-aligned offset and length). */
export function isWordAligned(bytes: Uint8Array): boolean {
  return (bytes.byteOffset & 3) === 0 && (bytes.byteLength & 3) === 0;
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
  const words = (pieceLength & 3) === 0 && inputs.every(isWordAligned) && outputs.every(isWordAligned);
  const unit = words ? 4 : 1;
  const length = pieceLength / unit;
  const inViews: View[] = inputs.map((bytes) => (words ? wordView(bytes) : bytes));
  for (let o = 0; o < plan.length; o++) {
    const out: View = words ? wordView(outputs[o] as Uint8Array) : (outputs[o] as Uint8Array);
    const pieces = plan[o] as readonly (readonly PieceRef[])[];
    for (let t = 0; t < pieces.length; t++) {
      xorPiece(out, t * length, pieces[t] as readonly PieceRef[], inViews, length);
    }
  }
}

function xorPiece(out: View, at: number, refs: readonly PieceRef[], inputs: readonly View[], length: number): void {
  if (refs.length === 0) {
    out.fill(0, at, at + length);
    return;
  }
  let first = true;
  for (let r = 0; r < refs.length; r += 3) {
    const count = Math.min(3, refs.length - r);
    const a = refs[r] as PieceRef;
    const av = inputs[a.buffer] as View;
    const ao = a.piece * length;
    if (count === 1) {
      if (first) out.set(av.subarray(ao, ao + length), at);
      else for (let i = 0; i < length; i++) out[at + i] = (out[at + i] as number) ^ (av[ao + i] as number);
    } else {
      const b = refs[r + 1] as PieceRef;
      const bv = inputs[b.buffer] as View;
      const bo = b.piece * length;
      if (count === 2) {
        if (first) for (let i = 0; i < length; i++) out[at + i] = (av[ao + i] as number) ^ (bv[bo + i] as number);
        else {
          for (let i = 0; i < length; i++) {
            out[at + i] = (out[at + i] as number) ^ (av[ao + i] as number) ^ (bv[bo + i] as number);
          }
        }
      } else {
        const c = refs[r + 2] as PieceRef;
        const cv = inputs[c.buffer] as View;
        const co = c.piece * length;
        if (first) {
          for (let i = 0; i < length; i++) {
            out[at + i] = (av[ao + i] as number) ^ (bv[bo + i] as number) ^ (cv[co + i] as number);
          }
        } else {
          for (let i = 0; i < length; i++) {
            out[at + i] =
              (out[at + i] as number) ^ (av[ao + i] as number) ^ (bv[bo + i] as number) ^ (cv[co + i] as number);
          }
        }
      }
    }
    first = false;
  }
}
