/**
 * `xlink registry …`: what a gateway operator runs against a FileTrustRegistry.
 * Every change is signed with the operator key (`--operator-key`), so a
 * gateway configured with the operator's DID trusts exactly what was signed
 * here; a running gateway that follows the file (readOnly) sees each change
 * within its poll interval, in practice at the next watch event.
 *
 *   xlink registry import B7/manifest.jsonl --registry trust.log --operator-key operator.key --create
 *   xlink registry revoke did:key:z6Mk… --reason "returned" --registry trust.log --operator-key operator.key
 *
 * Import is idempotent: an entry already registered under the same DID is
 * counted `already`, not refused; any other refusal (a bad document, a key id
 * collision, a serial registered under another DID) fails that line only and
 * the command exits 3.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { base64urlEncode, bytesToHex } from 'xlink/codec';
import { createNodeCrypto } from 'xlink/crypto/node';
import { quote, xlinkError } from 'xlink/errors';
import { identityDocumentFromJson, identityDocumentToJson } from 'xlink/identity';
import { createRegistrySnapshot, type TrustRegistryEntry, verifyRegistrySnapshot } from 'xlink/registry';
import { FileTrustRegistry } from 'xlink/registry/node';
import { readInput, required, UsageError } from './arguments.js';
import { operatorFromFile } from './keys.js';
import { parseManifest } from './manifest.js';
import { EXIT, type Output } from './output.js';

const COMMON = {
  registry: { type: 'string' },
  'operator-key': { type: 'string' },
  operator: { type: 'string' },
  scopes: { type: 'string' },
  name: { type: 'string' },
  reason: { type: 'string' },
  out: { type: 'string' },
  create: { type: 'boolean' },
  json: { type: 'boolean' },
  jsonl: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, options: COMMON });
}

export async function registryCommand(argv: readonly string[], output: Output): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest);
  switch (sub) {
    case 'import':
      return importManifest(one(positionals, 'a manifest'), values, output);
    case 'add':
      return add(one(positionals, 'an identity document'), values, output);
    case 'revoke':
      return revoke(one(positionals, 'a DID'), values, output);
    case 'list':
      return list(values, output);
    case 'show':
      return show(one(positionals, 'a DID'), values, output);
    case 'export':
      return exportSnapshot(values, output);
    case 'check':
      return check(one(positionals, 'a snapshot'), values, output);
    default:
      throw new UsageError(`unknown registry command ${JSON.stringify(sub)}`);
  }
}

function one(positionals: readonly string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected ${what}`);
  return positionals[0] as string;
}

const crypto = createNodeCrypto();

/** The registry as its writer, signing with the operator key. */
async function writer(values: Values): Promise<FileTrustRegistry> {
  const path = required(values.registry, '--registry');
  const operator = await operatorFromFile(required(values['operator-key'], '--operator-key'), crypto);
  if (values.create === true) {
    const created = await FileTrustRegistry.create({ path, crypto, operator }).catch((error: { code?: string }) => {
      if (error.code === 'REGISTRY_EXISTS') return undefined;
      throw error;
    });
    if (created !== undefined) return created;
  }
  return FileTrustRegistry.open({ path, crypto, operator });
}

/** The registry read-only, checking the operator's signatures when --operator is given. */
function reader(values: Values): Promise<FileTrustRegistry> {
  const path = required(values.registry, '--registry');
  return FileTrustRegistry.open({
    path,
    crypto,
    readOnly: true,
    ...(values.operator === undefined ? {} : { operator: { did: values.operator } }),
  });
}

function scopesOf(values: Values, fallback?: readonly string[]): readonly string[] {
  if (values.scopes === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError('--scopes is required');
  }
  return values.scopes.split(',').filter((scope) => scope.length > 0);
}

async function importManifest(path: string, values: Values, output: Output): Promise<number> {
  const entries = parseManifest(await readInput(path));
  const registry = await writer(values);
  const counts = { imported: 0, already: 0, failed: 0 };
  const bar = output.progress(entries.length, 'importing');
  try {
    const byName = new Map(
      (await registry.list()).flatMap((entry) => (entry.name === undefined ? [] : [[entry.name, entry.did]])),
    );
    for (const [index, entry] of entries.entries()) {
      const result = await importOne(registry, entry, scopesOf(values, entry.scopes), byName);
      counts[result.status] += 1;
      output.record({ serial: entry.serial, did: entry.did, ...result });
      if (result.status === 'failed' && !output.json && !output.jsonl) {
        output.note(`xlink: ${entry.serial}: ${result.code}: ${result.message}`);
      }
      bar?.update(index + 1);
    }
  } finally {
    bar?.stop();
    await registry.close();
  }
  output.document(
    counts,
    `${path}: ${counts.imported} imported, ${counts.already} already there, ${counts.failed} failed`,
  );
  return counts.failed > 0 ? EXIT.partial : EXIT.ok;
}

async function importOne(
  registry: FileTrustRegistry,
  entry: { serial: string; did: string; document: unknown },
  scopes: readonly string[],
  byName: Map<string, string>,
): Promise<{ status: 'imported' | 'already' } | { status: 'failed'; code: string; message: string }> {
  const named = byName.get(entry.serial);
  if (named !== undefined && named !== entry.did) {
    return {
      status: 'failed',
      code: 'PROVISION_DUPLICATE_SERIAL',
      message: `${quote(entry.serial)} is registered as ${named}`,
    };
  }
  const document = identityDocumentFromJson(entry.document);
  if (!document.ok) return { status: 'failed', code: document.error.code, message: document.error.message };
  const added = await registry.register({ document: document.value, scopes, name: entry.serial });
  if (added.ok) {
    if (added.value.did !== entry.did) {
      return {
        status: 'failed',
        code: 'PROVISION_VERIFY_FAILED',
        message: `the document belongs to ${added.value.did}`,
      };
    }
    byName.set(entry.serial, entry.did);
    return { status: 'imported' };
  }
  if (added.error.code === 'REGISTRATION_FAILED:ALREADY_REGISTERED' && named === entry.did)
    return { status: 'already' };
  return { status: 'failed', code: added.error.code, message: added.error.message };
}

async function add(path: string, values: Values, output: Output): Promise<number> {
  let json: unknown;
  try {
    json = JSON.parse(await readInput(path));
  } catch (error) {
    if ((error as { code?: string }).code === 'PROVISION_INPUT_INVALID') throw error;
    throw xlinkError('PROVISION_INPUT_INVALID', `${path} is not JSON`, { field: 'document' });
  }
  const document = identityDocumentFromJson((json as { document?: unknown })?.document ?? json);
  if (!document.ok) throw xlinkError(document.error.code, document.error.message);
  const registry = await writer(values);
  try {
    const added = await registry.register({
      document: document.value,
      scopes: scopesOf(values),
      ...(values.name === undefined ? {} : { name: values.name }),
    });
    if (!added.ok) throw xlinkError(added.error.code, added.error.message);
    output.document(entryJson(added.value), `added ${added.value.did}`);
    return EXIT.ok;
  } finally {
    await registry.close();
  }
}

async function revoke(did: string, values: Values, output: Output): Promise<number> {
  const reason = required(values.reason, '--reason');
  const registry = await writer(values);
  try {
    const revoked = await registry.revoke(did, { reason });
    if (!revoked.ok) throw xlinkError(revoked.error.code, revoked.error.message);
    output.document(entryJson(revoked.value), `revoked ${did}: ${reason}`);
    return EXIT.ok;
  } finally {
    await registry.close();
  }
}

async function list(values: Values, output: Output): Promise<number> {
  const registry = await reader(values);
  try {
    const entries = (await registry.list()).map(entryJson);
    for (const entry of entries) output.record(entry);
    output.document(
      entries,
      entries
        .map(
          (e) =>
            `${e.did} ${e.name ?? '-'} ${e.scopes.join(',') || '-'}${e.revoked ? ` revoked: ${e.revoked.reason}` : ''}`,
        )
        .join('\n'),
    );
    return EXIT.ok;
  } finally {
    await registry.close();
  }
}

async function show(did: string, values: Values, output: Output): Promise<number> {
  const registry = await reader(values);
  try {
    const entry = await registry.resolve(did);
    if (!entry.ok) throw xlinkError(entry.error.code, entry.error.message);
    const json = entryJson(entry.value);
    output.document(json, JSON.stringify(json, null, 2));
    return EXIT.ok;
  } finally {
    await registry.close();
  }
}

async function exportSnapshot(values: Values, output: Output): Promise<number> {
  const operator = await operatorFromFile(required(values['operator-key'], '--operator-key'), crypto);
  const registry = await FileTrustRegistry.open({
    path: required(values.registry, '--registry'),
    crypto,
    readOnly: true,
    operator: { did: operator.did },
  });
  try {
    const entries = await registry.list();
    // Every entry checked against the operator before the snapshot vouches for it.
    for (const entry of entries) {
      const resolved = await registry.resolve(entry.did);
      if (!resolved.ok) throw xlinkError(resolved.error.code, resolved.error.message);
    }
    const snapshot = await createRegistrySnapshot(entries, { operator, at: Date.now() });
    if (values.out === undefined) output.document(JSON.parse(snapshot), snapshot);
    else {
      await writeFile(values.out, `${snapshot}\n`, { flag: 'wx' });
      output.document({ out: values.out, entries: entries.length }, `${values.out}: ${entries.length} entries`);
    }
    return EXIT.ok;
  } finally {
    await registry.close();
  }
}

async function check(path: string, values: Values, output: Output): Promise<number> {
  const operatorDid = required(values.operator, '--operator');
  const text = await readFile(path, 'utf8').catch(() => {
    throw xlinkError('PROVISION_INPUT_INVALID', `cannot read ${path}`);
  });
  const checked = await verifyRegistrySnapshot(text.trim(), { operatorDid, crypto });
  if (!checked.ok) throw xlinkError(checked.error.code, checked.error.message);
  const revoked = checked.value.entries.filter((entry) => entry.revoked !== undefined).length;
  const summary = { operator: operatorDid, at: checked.value.at, entries: checked.value.entries.length, revoked };
  output.document(summary, `${path}: signed by ${operatorDid}; ${summary.entries} entries, ${revoked} revoked`);
  return EXIT.ok;
}

function entryJson(entry: TrustRegistryEntry) {
  return {
    did: entry.did,
    ...(entry.name === undefined ? {} : { name: entry.name }),
    kid: bytesToHex(entry.kid),
    scopes: [...entry.scopes],
    registeredAt: entry.registeredAt,
    ...(entry.revoked === undefined ? {} : { revoked: entry.revoked }),
    ...(entry.authorisation === undefined
      ? {}
      : {
          authorisation: {
            sequence: entry.authorisation.sequence,
            at: entry.authorisation.at,
            signature: base64urlEncode(entry.authorisation.signature),
          },
        }),
    document: identityDocumentToJson(entry.document),
  };
}
