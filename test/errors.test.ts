import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_HINTS, errorHint, withHint } from '../src/error-hints.js';
import {
  attempt,
  attemptSync,
  categoryOf,
  ERROR_CATEGORIES,
  ERROR_CODES,
  type ErrorCode,
  type ErrorDetail,
  err,
  errorDetail,
  isErrorCode,
  isXlinkError,
  MAX_MESSAGE_LENGTH,
  ok,
  quote,
  refuse,
  toXlinkError,
  unwrap,
  XlinkAgentError,
  XlinkArgumentError,
  XlinkEnvelopeError,
  XlinkError,
  XlinkIdentityError,
  XlinkKeyAgreementError,
  xlinkError,
} from '../src/errors.js';

const root = new URL('..', import.meta.url).pathname;
const catalogueCodes: string[] = [...ERROR_CODES].sort();

/** Every code's category, written out: categoryOf derives them from prefixes, and this pins the result. */
const CATEGORY_OF_CODE: Record<string, readonly string[]> = {
  argument: ['INVALID_ARGUMENT', 'INVALID_LENGTH', 'GATEWAY_CONFIG_INVALID', 'INVALID_ARGUMENT:SIMULATOR_CONFIG'],
  platform: [
    'RANDOM_SOURCE_FAILED',
    'STORAGE_FAILED',
    // simulator/engines/ (issue 12)
    'ENGINE_UNAVAILABLE',
    'ENGINE_FAILED',
  ],
  identity: [
    'INVALID_SEED:LENGTH',
    'INVALID_DID:PREFIX',
    'INVALID_DID:MULTIBASE',
    'INVALID_DID:BASE58',
    'INVALID_DID:MULTICODEC',
    'INVALID_DID:LENGTH',
    'INVALID_DID:URL',
    'INVALID_DID:SMALL_ORDER_KEY',
    'INVALID_PUBLIC_KEY:NON_CANONICAL',
    'INVALID_PKCS8:MALFORMED',
    'INVALID_PKCS8:ALGORITHM',
    'KEYGEN_FAILED',
    'CRYPTO_UNAVAILABLE:ALGORITHM',
    'IDENTITY_DOCUMENT_INVALID:MALFORMED',
    'IDENTITY_DOCUMENT_INVALID:SIGNATURE',
    'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
    'IDENTITY_DOCUMENT_INVALID:VERSIONS',
  ],
  'key-agreement': ['INVALID_PUBLIC_KEY:NOT_ON_CURVE', 'INVALID_PUBLIC_KEY:ML_KEM', 'ECDH_FAILED:ZERO_SHARED_SECRET'],
  envelope: [
    'PARSE_FAILED:HEX',
    'PARSE_FAILED:BASE58',
    'PARSE_FAILED:BASE64URL',
    'PARSE_FAILED:UTF8',
    'PARSE_FAILED:CBOR',
    'PARSE_FAILED:JSON',
    'PARSE_FAILED:DUPLICATE_KEY',
    'PARSE_FAILED:FORBIDDEN_KEY',
    'PARSE_FAILED:COSE',
    'PARSE_FAILED:PAYLOAD',
    'ENVELOPE_INVALID:TOO_LARGE',
    'ENVELOPE_INVALID:MALFORMED',
    'ENVELOPE_INVALID:LENGTH',
    'ENVELOPE_INVALID:VERSION',
    'ENVELOPE_INVALID:ALGORITHM',
    'ENCRYPT_FAILED:NO_X25519_KEY',
    'DECRYPT_FAILED:DECRYPTION',
    'DECRYPT_FAILED:KEY_AGREEMENT',
  ],
  agent: [
    'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
    'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH',
    'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY',
    'VERIFICATION_FAILED:UNKNOWN_KID',
    'VERIFICATION_FAILED:REVOKED',
    'VERIFICATION_FAILED:WRONG_RECIPIENT',
    'VERIFICATION_FAILED:TOPIC_MISMATCH',
    'NEGOTIATION_FAILED:NO_COMMON_VERSION',
    'DOWNGRADE_DETECTED:VERSION',
    'DOWNGRADE_DETECTED:STRIPPED',
    'CLEARTEXT_REFUSED',
    'TIMESTAMP_EXPIRED',
    'TIMESTAMP_EXPIRED:FUTURE',
    'REPLAY_DETECTED',
    'REPLAY_DETECTED:COUNTER',
    'REPLAY_DETECTED:BEFORE_START',
    'REPLAY_DETECTED:UNVERIFIABLE',
    'REPLAY_STORE_FULL',
    'REPLAY_STORE_UNAVAILABLE',
    'REPLAY_STORE_CORRUPT',
    'REPLAY_STORE_LOCKED',
    'REPLAY_STORE_MISSING',
    'REPLAY_STORE_EXISTS',
    'COUNTER_EXHAUSTED',
    'INVALID_SCOPE',
    'SCOPE_DENIED',
    'IDENTITY_FAILED',
    'UNKNOWN_ERROR_CODE',
  ],
  registry: [
    'DID_NOT_IN_REGISTRY',
    'REGISTRATION_FAILED:ALREADY_REGISTERED',
    'REGISTRATION_FAILED:KID_COLLISION',
    'REGISTRY_IO_FAILED',
    'REGISTRY_CORRUPT',
    'REGISTRY_LOCKED',
    'REGISTRY_MISSING',
    'REGISTRY_EXISTS',
    'REGISTRY_READ_ONLY',
    'REGISTRY_NOT_AUTHORISED',
    'PROVISION_INPUT_INVALID',
    'PROVISION_DUPLICATE_SERIAL',
    'PROVISION_JOURNAL_CORRUPT',
    'PROVISION_BATCH_MISMATCH',
    'PROVISION_LOCKED',
    'PROVISION_IO_FAILED',
    'PROVISION_ARTIFACT_INVALID',
    'PROVISION_VERIFY_FAILED',
  ],
  transport: [
    'SEND_FAILED',
    'SEND_FAILED:CLOSED',
    'SEND_FAILED:BELOW_THRESHOLD',
    'INVALID_TOPIC:TEMPLATE',
    'INVALID_TOPIC:SEGMENT',
    'INVALID_TOPIC:WILDCARD',
    'INVALID_TOPIC:RESERVED',
    'INVALID_TOPIC:NUL',
    'INVALID_TOPIC:TOO_LONG',
    'INVALID_TOPIC:MISMATCH',
    'SEND_FAILED:NOT_CONNECTED',
    'SEND_FAILED:CONNECT',
    'MQTT_STORE_CORRUPT',
    'MQTT_STORE_LOCKED',
    'FORWARD_FAILED',
    'SEND_FAILED:TIMEOUT',
  ],
  'split-channel': [
    'HMAC_VERIFICATION_FAILED',
    'INSUFFICIENT_SHARES',
    'INCONSISTENT_SHARES',
    // split-channel mode and Xchange (issue 10)
    'SPLIT_PARAMETERS_INVALID',
    'SHARE_INVALID:MALFORMED',
    'INCONSISTENT_SHARES:DUPLICATE_INDEX',
    'INCONSISTENT_SHARES:MIXED_GROUPS',
    'INCONSISTENT_SHARES:PARAMETERS',
    'INCONSISTENT_SHARES:LENGTH',
    'INSUFFICIENT_SHARES:PENDING',
    'SPLIT_SHARE_LATE',
    'SPLIT_BUFFER_FULL',
  ],
};

function documentedCodes(): string[] {
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  return [...doc.matchAll(/^### `([A-Z0-9_:]+)`$/gm)].map((m) => m[1] as string).sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

test('every code has the category it was given: the prefix rules reproduce the written table', () => {
  const listed = Object.values(CATEGORY_OF_CODE).flat().sort();
  assert.deepEqual(listed, catalogueCodes, 'the table lists every code once');
  for (const [category, codes] of Object.entries(CATEGORY_OF_CODE)) {
    assert.ok((ERROR_CATEGORIES as readonly string[]).includes(category), category);
    for (const code of codes) assert.equal(categoryOf(code as ErrorCode), category, code);
  }
});

test('docs/errors.md documents exactly the codes in the catalogue', () => {
  assert.deepEqual(documentedCodes(), catalogueCodes);
});

/**
 * Codes catalogued with their class before the code that raises them lands: none today.
 */
const NOT_YET_RAISED: string[] = [];

test('every code src/, provisioning/ and simulator/ raise is in the catalogue, and every catalogue code is raised somewhere', () => {
  const raised = new Set<string>();
  const codeLiteral = /(?:xlinkError|errorDetail|refuse|new Xlink\w*Error)\(\s*'([A-Z0-9_:]+)'/g;
  for (const file of ['src', 'provisioning', 'simulator'].flatMap((dir) => sourceFiles(join(root, dir)))) {
    for (const m of readFileSync(file, 'utf8').matchAll(codeLiteral)) raised.add(m[1] as string);
  }
  for (const code of raised) assert.ok(isErrorCode(code), `${code} is raised in src/ but missing from the catalogue`);
  const unused = catalogueCodes.filter((code) => !raised.has(code));
  assert.deepEqual(unused, NOT_YET_RAISED, 'catalogue codes that nothing raises');
});

test('each documented section carries a meaning and a fix', () => {
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  for (const code of catalogueCodes) {
    const start = doc.indexOf(`### \`${code}\``);
    const next = doc.indexOf('\n### ', start + 1);
    const section = doc.slice(start, next < 0 ? undefined : next);
    assert.match(section, /\*\*Meaning\.\*\*/, `${code}: meaning`);
    assert.match(section, /\*\*Fix\.\*\*/, `${code}: fix`);
  }
});

test('every code has a one-sentence hint, kept out of the error module itself', () => {
  assert.deepEqual(Object.keys(ERROR_HINTS).sort(), catalogueCodes);
  for (const code of catalogueCodes) assert.match(errorHint(code as ErrorCode), /^\S.{20,}[.)]$/, code);
  const errorsSource = readFileSync(join(root, 'src/errors.ts'), 'utf8');
  assert.doesNotMatch(errorsSource, /error-hints/, 'errors.ts must not import the hints');
});

test('the docs URL of a code points at its heading in docs/errors.md; hints are added on request', () => {
  const detail = errorDetail('DECRYPT_FAILED:DECRYPTION', 'decryption failed');
  assert.equal(detail.docs, 'docs/errors.md#decrypt_faileddecryption');
  assert.equal(detail.hint, undefined);
  assert.equal(withHint(detail).hint, ERROR_HINTS['DECRYPT_FAILED:DECRYPTION']);
  const unknown = { code: 'FROM_A_NEWER_PEER', message: 'm' } as unknown as ErrorDetail;
  assert.equal(withHint(unknown), unknown);
});

test('quote truncates untrusted text and names other values by type; no message outgrows the cap', () => {
  assert.equal(quote('short'), '"short"');
  const long = 'x'.repeat(10_000);
  assert.equal(quote(long), `"${'x'.repeat(64)}"… (10000 characters)`);
  assert.equal(quote(long, 8), `"xxxxxxxx"… (10000 characters)`);
  assert.equal(quote(new Uint8Array(300)), '300 bytes');
  assert.equal(quote(null), 'null');
  assert.equal(quote([1, 2]), 'an array of 2');
  assert.equal(quote({}), 'an object (Object)');
  assert.equal(quote(Object.create(null)), 'an object (no prototype)');
  assert.equal(quote(12), '12');
  assert.equal(quote(true), 'true');
  const error = xlinkError('PARSE_FAILED:JSON', 'y'.repeat(5000));
  assert.equal(error.message.length, MAX_MESSAGE_LENGTH);
  assert.ok(error.message.endsWith('…'));
  assert.equal(errorDetail('PARSE_FAILED:JSON', 'z'.repeat(5000)).message.length, MAX_MESSAGE_LENGTH);
  assert.deepEqual(refuse('SCOPE_DENIED', 'no', 'scope'), {
    ok: false,
    error: errorDetail('SCOPE_DENIED', 'no', 'scope'),
  });
});

test('xlinkError builds the subclass of the code category; code is the whole code, subCode its tail', () => {
  const cases: [ErrorCode, typeof XlinkError][] = [
    ['INVALID_ARGUMENT', XlinkArgumentError],
    ['INVALID_DID:MULTICODEC', XlinkIdentityError],
    ['DECRYPT_FAILED:DECRYPTION', XlinkEnvelopeError],
    ['ECDH_FAILED:ZERO_SHARED_SECRET', XlinkKeyAgreementError],
  ];
  for (const [code, ErrorClass] of cases) {
    const error = xlinkError(code, 'm', { field: 'f' });
    assert.ok(error instanceof ErrorClass && error instanceof XlinkError && error instanceof Error);
    assert.equal(error.name, ErrorClass.name);
    assert.equal(error.code, code);
    assert.equal(error.subCode, code.includes(':') ? code.slice(code.indexOf(':') + 1) : undefined);
    assert.equal(error.category, categoryOf(code));
    assert.equal(error.field, 'f');
    assert.deepEqual(error.detail, errorDetail(code, 'm', 'f'));
  }
  const plain = xlinkError('KEYGEN_FAILED', 'm');
  assert.equal(plain.code, 'KEYGEN_FAILED');
  assert.equal(plain.subCode, undefined);
});

test('toXlinkError restores the class from a Result error, and isXlinkError tells ours apart', () => {
  const restored = toXlinkError({ code: 'INVALID_SEED:LENGTH', message: 'seed too short', field: 'seed' });
  assert.ok(restored instanceof XlinkIdentityError);
  assert.equal(restored.message, 'seed too short');
  assert.equal(restored.field, 'seed');
  assert.ok(isXlinkError(restored));
  assert.ok(!isXlinkError(new Error('x')));
  const thrown = new XlinkAgentError('KEYGEN_FAILED', 'x');
  assert.equal(toXlinkError(thrown), thrown);
});

test('toXlinkError keeps an unknown code from a newer peer instead of throwing', () => {
  const detail = { code: 'QUOTA_EXCEEDED:TENANT', message: 'too many devices' } as unknown as ErrorDetail;
  const error = toXlinkError(detail);
  assert.ok(error instanceof XlinkAgentError);
  assert.equal(error.code, 'UNKNOWN_ERROR_CODE');
  assert.equal(error.message, '"QUOTA_EXCEEDED:TENANT": too many devices');
});

test('attempt turns XlinkErrors into failed Results and rethrows anything else', async () => {
  const failed = await attempt(async () => {
    throw xlinkError('INVALID_LENGTH', 'bad', { field: 'iv' });
  });
  assert.deepEqual(failed.ok ? undefined : [failed.error.code, failed.error.field], ['INVALID_LENGTH', 'iv']);
  const fine = await attempt(async () => 7);
  assert.deepEqual(fine, { ok: true, value: 7 });
  await assert.rejects(
    attempt(async () => {
      throw new TypeError('bug');
    }),
    TypeError,
  );
});

test('attemptSync does the same for synchronous code', () => {
  const failed = attemptSync(() => {
    throw xlinkError('PARSE_FAILED:HEX', 'odd length');
  });
  assert.deepEqual(failed.ok ? undefined : failed.error.code, 'PARSE_FAILED:HEX');
  assert.deepEqual(
    attemptSync(() => 'x'),
    { ok: true, value: 'x' },
  );
  assert.throws(
    () =>
      attemptSync(() => {
        throw new RangeError('bug');
      }),
    RangeError,
  );
});

test('a cause is kept for debugging', () => {
  const cause = new Error('low level');
  assert.equal(xlinkError('KEYGEN_FAILED', 'x', { cause }).cause, cause);
});

test('unwrap returns an ok value and throws a failed Result as its XlinkError subclass, field kept', () => {
  assert.equal(unwrap(ok(7)), 7);
  const failed = err(errorDetail('SCOPE_DENIED', 'not for telemetry-admin', 'scope'));
  assert.throws(
    () => unwrap(failed),
    (error: unknown) => error instanceof XlinkAgentError && error.code === 'SCOPE_DENIED' && error.field === 'scope',
  );
});
