/**
 * The key id (`kid`) of an Ed25519 key: how a telemetry-profile envelope names
 * its sender in 6 bytes instead of a 56-character DID.
 *
 *   const kid = await keyIdOf(publicKey, { crypto }); // 6 bytes
 *
 * kid = the first 6 bytes of the RFC 9679 COSE Key Thumbprint of the key:
 * SHA-256 over the deterministic CBOR of the COSE_Key {1: 1 (OKP), -1: 6
 * (Ed25519), -2: x}. Any COSE library computes the same bytes.
 *
 * Why 6 bytes: a kid is an index, not a proof (the signature is checked under
 * the registered key, so a colliding kid forges nothing); it only has to be
 * unique within one registry. A registry refuses a key whose kid another entry
 * already has (REGISTRATION_FAILED:KID_COLLISION), and the factory gives that
 * device a new seed. With 48 bits, a new device in a fleet of n collides with
 * probability n/2^48: 3.6·10^-8 at ten million; over the whole fleet about
 * n²/2^49 collisions are expected, 0.18 at ten million (one re-seed in five
 * such fleets), 18 at a hundred million. Every byte saved here is saved on
 * every message of every device.
 */
import { assertBytes } from '../codec/bytes.js';
import { encodeCbor } from '../codec/cbor.js';
import type { Hashing } from '../crypto/provider.js';
import { ED25519_KEY_LENGTH } from '../crypto/provider.js';

export const KEY_ID_LENGTH = 6;

const COSE_KEY_KTY = 1;
const COSE_KEY_CRV = -1;
const COSE_KEY_X = -2;
const KTY_OKP = 1;
const CRV_ED25519 = 6;

/** The RFC 9679 thumbprint input: deterministic CBOR of the key's required COSE_Key members. */
export function coseKeyThumbprintInput(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'publicKey', ED25519_KEY_LENGTH);
  return encodeCbor(
    new Map<number, number | Uint8Array>([
      [COSE_KEY_KTY, KTY_OKP],
      [COSE_KEY_CRV, CRV_ED25519],
      [COSE_KEY_X, publicKey],
    ]),
  );
}

export async function keyIdOf(
  publicKey: Uint8Array,
  { crypto }: { crypto: Pick<Hashing, 'sha256'> },
): Promise<Uint8Array> {
  const thumbprint = await crypto.sha256(coseKeyThumbprintInput(publicKey));
  return thumbprint.slice(0, KEY_ID_LENGTH);
}
