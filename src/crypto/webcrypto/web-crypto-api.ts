/**
 * The slice of Web Crypto the `webcrypto` backend calls, typed structurally.
 *
 *   const crypto: WebCryptoLike = globalThis.crypto; // DOM's Crypto or Node's webcrypto.Crypto
 *
 * Why not DOM's `Crypto`: this module is type-checked with the DOM lib, with
 * Node's types (the CLI imports it), and by consumers that have neither, so
 * its signatures must not need one runtime's global type names. Both DOM's
 * `Crypto` and Node's `webcrypto.Crypto` are assignable to these interfaces.
 */

/** A Web Crypto `CryptoKey`, treated as an opaque handle. */
export interface WebCryptoKey {
  readonly type: string;
}

export type WebKeyUsage = 'sign' | 'verify' | 'deriveBits' | 'encrypt' | 'decrypt';

export interface WebAlgorithm {
  readonly name: string;
  readonly hash?: string;
}

export interface WebAesGcmParams {
  readonly name: 'AES-GCM';
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly tagLength: number;
  readonly additionalData?: Uint8Array<ArrayBuffer>;
}

export interface WebHkdfParams {
  readonly name: 'HKDF';
  readonly hash: 'SHA-256';
  readonly salt: Uint8Array<ArrayBuffer>;
  readonly info: Uint8Array<ArrayBuffer>;
}

export interface WebEcdhParams {
  readonly name: 'X25519';
  readonly public: WebCryptoKey;
}

/** The methods of `SubtleCrypto` the backend uses, with the argument shapes it passes. */
export interface WebSubtleLike {
  importKey(
    format: 'raw' | 'pkcs8',
    keyData: Uint8Array<ArrayBuffer>,
    algorithm: WebAlgorithm,
    extractable: boolean,
    keyUsages: WebKeyUsage[],
  ): Promise<WebCryptoKey>;
  exportKey(format: 'jwk', key: WebCryptoKey): Promise<{ x?: string }>;
  digest(algorithm: 'SHA-256' | 'SHA-512', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  sign(algorithm: WebAlgorithm, key: WebCryptoKey, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  verify(
    algorithm: WebAlgorithm,
    key: WebCryptoKey,
    signature: Uint8Array<ArrayBuffer>,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<boolean>;
  encrypt(algorithm: WebAesGcmParams, key: WebCryptoKey, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  decrypt(algorithm: WebAesGcmParams, key: WebCryptoKey, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  deriveBits(algorithm: WebHkdfParams | WebEcdhParams, baseKey: WebCryptoKey, length: number): Promise<ArrayBuffer>;
}

/** What `createWebCrypto` needs: `globalThis.crypto` in browsers, workers, Deno and Node. */
export interface WebCryptoLike {
  readonly subtle: WebSubtleLike;
  getRandomValues(array: Uint8Array<ArrayBuffer>): unknown;
}
