/**
 * What to do about each error code: one sentence per code, for people reading
 * logs and CLI output. Kept apart from `errors.ts` so that device bundles,
 * which only need codes, do not carry the prose.
 *
 *   import { withHint } from 'xlink/errors/hints';
 *   if (!result.ok) log.warn(withHint(result.error)); // { code, message, hint, … }
 *
 * docs/errors.md says more per code; a test keeps this table, the catalogue
 * and that page in step.
 */
import type { ErrorCode, ErrorDetail } from './errors.js';

export const ERROR_HINTS: Readonly<Record<ErrorCode, string>> = {
  INVALID_ARGUMENT: 'Pass the type the function documents; see the field named in the error.',
  INVALID_LENGTH: 'Pass a byte array of exactly the length named in the message.',
  'INVALID_SEED:LENGTH': 'An identity seed is exactly 32 bytes from a cryptographic random source.',
  'INVALID_DID:PREFIX': 'A DID here starts with "did:key:".',
  'INVALID_DID:MULTIBASE': 'The method-specific id must be base58btc multibase, starting with "z".',
  'INVALID_DID:BASE58': 'base58btc has no 0, O, I or l; check the DID was copied whole.',
  'INVALID_DID:MULTICODEC': 'Only Ed25519 did:key identifiers (z6Mk…, multicodec 0xed01) name an xlink identity.',
  'INVALID_DID:LENGTH': 'An Ed25519 did:key carries exactly 2 + 32 bytes; the DID is truncated or padded.',
  'INVALID_DID:URL': 'Pass the bare DID: a DID URL with a path, query or fragment (/, ?, #) does not name an identity.',
  'INVALID_DID:SMALL_ORDER_KEY':
    'The key is a small-order point that any signature could be forged for; it cannot be an identity.',
  'INVALID_PUBLIC_KEY:NON_CANONICAL':
    'The key is not in canonical encoding; the sender must encode it per RFC 8032 or RFC 7748.',
  'INVALID_PUBLIC_KEY:NOT_ON_CURVE': 'The X25519 public key is not a point of Curve25519 (it lies on the twist).',
  'INVALID_PUBLIC_KEY:ML_KEM':
    'The ML-KEM-768 encapsulation key failed the FIPS 203 modulus check: it was corrupted or forged.',
  'INVALID_PKCS8:MALFORMED': 'Expected PKCS#8 DER of an Ed25519 or X25519 private key (RFC 8410).',
  'INVALID_PKCS8:ALGORITHM': 'The PKCS#8 key is of another algorithm than the one asked for.',
  KEYGEN_FAILED: 'The crypto backend could not derive a key; check it supports the algorithm.',
  'CRYPTO_UNAVAILABLE:ALGORITHM': 'This runtime lacks the algorithm in its native crypto; use the noble backend.',
  'IDENTITY_DOCUMENT_INVALID:MALFORMED': 'The identity document is not the canonical CBOR this version defines.',
  'IDENTITY_DOCUMENT_INVALID:SIGNATURE':
    'The identity document was not signed by the key its DID names; do not trust its keys.',
  'IDENTITY_DOCUMENT_INVALID:SEQUENCE':
    'A newer identity document must carry a larger sequence number than the one it replaces.',
  'IDENTITY_DOCUMENT_INVALID:VERSIONS':
    'A listed envelope version needs a key the document does not carry (v2 needs ML-KEM-768, v3 ML-DSA-65).',
  'PARSE_FAILED:HEX': 'Hex text has an even number of the characters 0-9 and a-f.',
  'PARSE_FAILED:BASE58': 'base58btc text uses only the 58 characters of the Bitcoin alphabet.',
  'PARSE_FAILED:BASE64URL': 'Use unpadded, canonical base64url (RFC 4648 §5) with no whitespace.',
  'PARSE_FAILED:UTF8': 'The text is not well-formed UTF-8.',
  'PARSE_FAILED:CBOR':
    'The bytes are not canonical, deterministic CBOR (RFC 8949 §4.2) within the size and depth limits.',
  'VERIFICATION_FAILED:SIGNATURE_MISMATCH':
    'The signature does not match the message and the sender key; the message was altered or not signed by this DID.',
  UNKNOWN_ERROR_CODE:
    'An error detail carried a code this version of xlink does not know (a newer peer?); its message names it.',
  'DECRYPT_FAILED:DECRYPTION':
    'The message cannot be decrypted with this key; it was altered, truncated or meant for someone else.',
  'ECDH_FAILED:ZERO_SHARED_SECRET':
    'The peer key is a low-order point that forces an all-zero secret; reject the peer.',
  'PARSE_FAILED:JSON': 'The text is not well-formed JSON (RFC 8259) within the size and depth limits.',
  'PARSE_FAILED:DUPLICATE_KEY':
    'A JSON object names the same key twice; xlink refuses it rather than guess which value counts.',
  'PARSE_FAILED:FORBIDDEN_KEY': 'The JSON uses the key "__proto__", which could rewrite object prototypes; rename it.',
  'PARSE_FAILED:COSE':
    'Compact envelopes are COSE_Sign1 (RFC 9052 §4.2): a four-element array, optionally under tag 18.',
  'ENVELOPE_INVALID:TOO_LARGE':
    'The envelope is larger than the receiver accepts (default 256 KiB); split the payload or raise maxEnvelopeBytes.',
  'ENVELOPE_INVALID:MALFORMED':
    'A field is missing, unknown or of the wrong type for this envelope version; the field is named.',
  'ENVELOPE_INVALID:LENGTH': 'A binary field has the wrong length (e.g. an IV must be 12 bytes); the field is named.',
  'ENVELOPE_INVALID:VERSION':
    'Envelope versions are "signed", "v1", "v2" and "v3"; the sender may be newer than this receiver.',
  'ENVELOPE_INVALID:ALGORITHM':
    'Each envelope version fixes its algorithms (EdDSA signatures); a different algorithm is refused, never negotiated.',
  INVALID_SCOPE: 'A scope is 1 to 64 characters from A-Z a-z 0-9 and . _ : / -.',
  'ENCRYPT_FAILED:NO_X25519_KEY':
    "Encryption needs the recipient's X25519 key from its verified identity document; there is no fallback key.",
  'DECRYPT_FAILED:KEY_AGREEMENT':
    "The envelope's ephemeral key or KEM ciphertext was refused; the envelope was altered or is not for this identity.",
  'NEGOTIATION_FAILED:NO_COMMON_VERSION':
    "The recipient's identity document lists no encrypted version this agent supports; send signed-only or upgrade one side.",
  'DOWNGRADE_DETECTED:VERSION':
    'The envelope uses a lower version than both sides support; someone stripped protection on the way. Drop it.',
  'DOWNGRADE_DETECTED:STRIPPED':
    'A field the declared version requires (KEM ciphertext, ML-DSA-65 signature) is missing; someone stripped it. Drop it.',
  CLEARTEXT_REFUSED:
    'This receiver was not called with allowCleartext: true, so it refuses signed-only (unencrypted) envelopes.',
  TIMESTAMP_EXPIRED:
    'The envelope is older than the timestamp window (default 30 s); check clocks (NTP) or raise timestampWindowMs.',
  'TIMESTAMP_EXPIRED:FUTURE':
    "The envelope is dated further in the future than the window allows; the sender's clock is ahead.",
  REPLAY_DETECTED: 'This sender already used this nonce: the envelope is a replay. Drop it.',
  'REPLAY_DETECTED:COUNTER':
    'The counter was already seen or is below the sliding window; the envelope is a replay or arrived far too late.',
  'REPLAY_DETECTED:BEFORE_START':
    "The envelope predates this replay store's start, so the store cannot know if it was seen; use a persistent store.",
  'REPLAY_DETECTED:UNVERIFIABLE':
    'A clockless counter envelope needs a persistent replay store (file or Redis); a memory store forgets on restart.',
  REPLAY_STORE_FULL:
    'The replay store is at capacity and refuses rather than forget; raise maxEntries (capacityFor(rate, window)) or use Redis.',
  REPLAY_STORE_UNAVAILABLE:
    'The replay store could not be read or written (disk, Redis); the envelope was refused, not accepted unchecked.',
  REPLAY_STORE_CORRUPT:
    'The replay log is damaged (not by a crash); restore it from a backup, or create a new store knowing that clockless counters can then be replayed.',
  REPLAY_STORE_LOCKED:
    'Another process (named in the message) has this replay log open; use one store per file, or Redis to share one between receivers.',
  REPLAY_STORE_MISSING:
    'The replay log is gone or empty; restore it from a backup, or call FileNonceStore.create to start anew knowingly.',
  REPLAY_STORE_EXISTS:
    'A file is already at that path; open it with FileNonceStore.open, or remove it first to start anew.',
  COUNTER_EXHAUSTED: 'The sender counter reached 2^53-1; this identity must stop sending in counter mode.',
  'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY':
    "Register the sender's DID (with its identity document and scopes) in this receiver's trust registry.",
  'VERIFICATION_FAILED:REVOKED':
    'The sender was revoked in the trust registry; its envelopes are refused from the revocation on.',
  'VERIFICATION_FAILED:WRONG_RECIPIENT':
    'The envelope is addressed to another DID; it was misrouted or replayed to a different receiver.',
  'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH':
    "The ML-DSA-65 signature does not verify under the sender's post-quantum key; the envelope was altered.",
  SCOPE_DENIED: 'The sender is not registered for this scope; scopes match exactly (no prefixes, no case folding).',
  DID_NOT_IN_REGISTRY: 'Register the DID first, or check it was copied whole.',
  'REGISTRATION_FAILED:ALREADY_REGISTERED':
    'The DID is already registered (or was revoked); use updateDocument or setScopes to change it.',
  REGISTRY_IO_FAILED:
    'The registry file could not be read or written; nothing was changed in memory. Check the path and disk.',
  REGISTRY_CORRUPT:
    'The registry file is damaged or was edited (the message names the line or DID); restore it from a backup.',
  REGISTRY_LOCKED:
    'Another process (named in the message) writes this registry; open it with readOnly: true to follow it, or make changes through that process.',
  REGISTRY_MISSING:
    'The registry file is gone or empty; restore it from a backup, or call FileTrustRegistry.create to start anew knowingly.',
  REGISTRY_EXISTS:
    'A file is already at that path; open it with FileTrustRegistry.open, or remove it first to start anew.',
  REGISTRY_READ_ONLY:
    "This registry was opened read-only; make the change through the process that holds the file's lock.",
  IDENTITY_FAILED: 'The agent could not build its identity from the seed or keys given; see the cause.',
  SEND_FAILED: 'The transport could not deliver the envelope; see the cause and retry.',
  'SEND_FAILED:CLOSED': 'The transport was closed; create a new one.',
  RANDOM_SOURCE_FAILED:
    'The injected random source threw or returned the wrong number of bytes; nothing was signed or sent. Check the device RNG driver.',
  STORAGE_FAILED:
    'The key-value storage could not be read or written (flash, file, preferences); the operation was refused, not done halfway.',
  'PARSE_FAILED:PAYLOAD':
    'The payload does not decode as the content type its signed header states (JSON, CBOR); the sender has a bug.',
  'VERIFICATION_FAILED:UNKNOWN_KID':
    'No registered key has this key id: provision the device in this registry first, or check the gateway reads the registry provisioning wrote.',
  'REGISTRATION_FAILED:KID_COLLISION':
    'Another registered key has the same 6-byte key id (a new device among ten million collides with chance 4e-8); give this device a new seed.',
  'SEND_FAILED:BELOW_THRESHOLD':
    'Fewer shares than the threshold were delivered, so the message cannot be reconstructed; retry or use more channels.',
  HMAC_VERIFICATION_FAILED:
    "A share's HMAC does not verify: the share was altered or belongs to another message. Drop it.",
  INSUFFICIENT_SHARES: 'Fewer shares than the threshold arrived; wait for more or ask the sender to resend.',
  INCONSISTENT_SHARES: 'The shares disagree on the group id or the split parameters; they do not belong together.',
  // split-channel mode and Xchange (issue 10)
  SPLIT_PARAMETERS_INVALID:
    'A split needs whole numbers 2 ≤ k ≤ n ≤ 16; use 2-of-3 or 3-of-5 unless you need otherwise.',
  'SHARE_INVALID:MALFORMED':
    'These bytes are not an xlink share (docs/split-channel.md, "Share format"); check what was passed.',
  'INCONSISTENT_SHARES:DUPLICATE_INDEX':
    'The same share index was given twice; pass k different shares (a copy of a share adds nothing).',
  'INCONSISTENT_SHARES:MIXED_GROUPS':
    'The shares come from different splits (group ids differ); combine each group on its own.',
  'INCONSISTENT_SHARES:PARAMETERS':
    'The shares of one group disagree on k, n or the secret length; at least one was altered.',
  'INCONSISTENT_SHARES:LENGTH': "A share's data is not the length its header implies; the share was cut or padded.",
  'INSUFFICIENT_SHARES:PENDING':
    'The share was verified and held; the message is delivered when k shares of it have arrived.',
  'SEND_FAILED:TIMEOUT':
    'The transport did not take the share in time (splitSendTimeoutMs); check that channel, the other shares went on.',
  SPLIT_SHARE_LATE: 'The message of this share was already delivered from k other shares; nothing to do.',
  SPLIT_BUFFER_FULL:
    'Too many split messages are waiting for shares; they expire after the reassembly window, or raise the buffer limits.',
  REGISTRY_NOT_AUTHORISED:
    'The entry was not signed by the registry operator in this state (altered, copied from another registry or unsigned); re-import it with the operator key.',
  PROVISION_INPUT_INVALID:
    'The serial list or an option is malformed (the message names the line); fix it and run the command again.',
  PROVISION_DUPLICATE_SERIAL:
    'A serial is listed twice or was already provisioned; remove the duplicate and run again.',
  PROVISION_JOURNAL_CORRUPT: 'The provisioning journal was edited or damaged; restore the output folder from a backup.',
  PROVISION_BATCH_MISMATCH:
    'The folder holds another batch; re-run the original command or choose a new output folder.',
  PROVISION_LOCKED: 'Another provisioning process works in this folder; wait for it or stop it.',
  PROVISION_IO_FAILED:
    'A batch file could not be read or written; check the disk and run the same command again to resume.',
  PROVISION_ARTIFACT_INVALID:
    'The artifact does not parse or does not open with this station key; check the file and the key.',
  PROVISION_VERIFY_FAILED: 'The burned seed does not match the manifest or registry; do not ship this device.',
  // MQTT transport (issue 9)
  'INVALID_TOPIC:TEMPLATE':
    'Write the topic template as slash-separated lowercase segments and {app}, {deviceId} or {kind} placeholders, without a leading slash or wildcards.',
  'INVALID_TOPIC:SEGMENT':
    'Topic segments are 1 or more characters of a-z 0-9 . _ ~ : -; lowercase the value, or check the topic was written by this template.',
  'INVALID_TOPIC:WILDCARD':
    'A topic value may not contain + or #: those are subscription wildcards, so a device id holding one would subscribe to others.',
  'INVALID_TOPIC:RESERVED':
    'Topic segments may not start with $: brokers reserve those topics ($SYS, $share); choose another name.',
  'INVALID_TOPIC:NUL':
    'Topics may not contain NUL or other control characters (MQTT forbids them); the value is corrupt.',
  'INVALID_TOPIC:TOO_LONG':
    'The topic or one of its segments is longer than allowed; use a shorter device id or name (the limit is in the message).',
  'INVALID_TOPIC:MISMATCH':
    'The topic does not have the shape of the template: it came from another publisher or another template. Dead-letter it.',
  'SEND_FAILED:NOT_CONNECTED': 'Call connect() on the MQTT transport and await it before sending.',
  'SEND_FAILED:CONNECT':
    'The broker could not be reached or refused the connection; check the URL, the credentials and that the broker runs (see the cause).',
  MQTT_STORE_CORRUPT:
    'The MQTT session store file is damaged (not a torn last write); move it aside to start with an empty queue, knowing its queued messages are lost.',
  MQTT_STORE_LOCKED:
    'Another process uses this MQTT store directory; give each transport (client id) its own storeDir.',
  GATEWAY_CONFIG_INVALID:
    'A gateway setting is missing or out of range (the message names it and where it came from: flag, XLINK_ variable or file); see docs/gateway.md.',
  'VERIFICATION_FAILED:TOPIC_MISMATCH':
    'The envelope verifies, but its signer does not own the device id in the topic: a device may publish only on its own topic (its kid in hex or its registered name).',
  FORWARD_FAILED:
    'A sink (republish, JSONL file, Redis Stream or webhook) did not take a verified message; it stays unacknowledged and is retried. Check the sink named in the message.',
  'INVALID_ARGUMENT:SIMULATOR_CONFIG':
    'An `xlink simulate` flag is missing, malformed or out of range, or the flags contradict each other (the message names the flag); `xlink simulate --help` lists them, docs/simulator.md explains them.',
  // simulator/engines/ (issue 12)
  ENGINE_UNAVAILABLE:
    'Install the engine packages (`npm install @agoric/xsnap @endo/init quickjs-emscripten`, with @agoric/xsnap in allowScripts so its worker is built), or run the fleet without XS/QuickJS devices.',
  ENGINE_FAILED:
    'The engine process or context died or answered out of protocol; the message says how. Other devices go on; rerun to see whether it repeats.',
};

export function errorHint(code: ErrorCode): string {
  return ERROR_HINTS[code];
}

/** The detail with its hint added (a code from a newer peer keeps no hint). */
export function withHint(detail: ErrorDetail): ErrorDetail {
  const hint = Object.hasOwn(ERROR_HINTS, detail.code) ? ERROR_HINTS[detail.code] : undefined;
  return hint === undefined ? detail : { ...detail, hint };
}
