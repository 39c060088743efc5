/**
 * `xlink provision …` and `xlink registry …`: the factory tool and the
 * registry commands. The `xlink` bin (src/cli/main.ts) loads this module by
 * path when the command is one of these (docs/architecture.md says why), so
 * it stays outside src/ and uses only the package's public subpaths.
 *
 *   xlink provision --product thermo --batch B7 --count 1000 --scopes telemetry --out ./B7
 *   xlink registry import ./B7/manifest.jsonl --registry trust.log --operator-key operator.key
 *
 * Every command is documented in docs/provisioning.md, with its exit codes (EXIT).
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createNodeCrypto } from 'xlink/crypto/node';
import { isXlinkError, xlinkError } from 'xlink/errors';
import { createIdentityDocument, documentKeysFromSeed, identityDocumentToJson } from 'xlink/identity';
import { readInput, required, UsageError } from './arguments.js';
import { isArtifactFormat } from './artifacts.js';
import { runBatch, type SeedSource } from './batch.js';
import { combineShareFiles, custodyCommand } from './custody.js';
import { operatorFromFile, readSecretFile, stationFromDocument, stationKeysFromFile, writeSecretFile } from './keys.js';
import { parseManifest } from './manifest.js';
import { EXIT, Output, type OutputStreams } from './output.js';
import { registryCommand } from './registry-commands.js';
import { openArtifact, SEALED_EXTENSION } from './sealing.js';
import { serialsFromCount, serialsFromList } from './serials.js';
import { verifyArtifact } from './verify.js';

export const PROVISION_HELP = `Usage:
  xlink provision --product P --batch B (--count N | --serials list.csv|list.jsonl) --scopes a,b --out DIR
                  [--format bin|hex|moddable|espruino|nvs] [--master-shares S1,S2,… --hmac-key FILE | --master-secret FILE]
                  [--seal-to station.json --operator-key FILE] [--registry FILE] [--threads N] [--csv] [--json | --jsonl]
  xlink provision keygen --out FILE              a 32-byte key (operator, station or master), mode 0600; prints its DID and document
  xlink provision open ARTIFACT.sealed --station-key FILE [--operator DID] [--out FILE]
  xlink provision verify ARTIFACT… --manifest FILE [--registry FILE [--operator DID]] [--station-key FILE]
  xlink provision custody split --threshold K --shares N --out DIR [--secret FILE]   k-of-n shares of a (new) master secret
  xlink provision custody combine SHARE… --hmac-key FILE [--out FILE]               check shares (prints the master id)
Exit codes: 0 done, 1 failed (see the code), 2 usage, 3 batch partly failed (re-run to retry), 4 verify mismatch.`;

export const REGISTRY_HELP = `Usage (every command takes --registry FILE; changes take --operator-key FILE):
  xlink registry import MANIFEST.jsonl [--scopes a,b] [--create]
  xlink registry add DOCUMENT.json --scopes a,b [--name N] [--create]
  xlink registry revoke DID --reason TEXT
  xlink registry list [--operator DID] [--json | --jsonl]
  xlink registry show DID [--operator DID]
  xlink registry export [--out FILE]             a snapshot signed by the operator key
  xlink registry check SNAPSHOT --operator DID   verify a snapshot offline
Exit codes: 0 done, 1 failed, 2 usage, 3 import partly failed.`;

export async function main(argv: readonly string[], streams: OutputStreams = process): Promise<number> {
  const [command, ...rest] = argv;
  const output = new Output(streams, { json: rest.includes('--json'), jsonl: rest.includes('--jsonl') });
  try {
    if (command === 'provision') return await provisionCommand(rest, output);
    if (command === 'registry') return await registryCommand(rest, output);
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      output.note(`xlink: ${(error as Error).message}\n\n${command === 'registry' ? REGISTRY_HELP : PROVISION_HELP}`);
      return EXIT.usage;
    }
    if (isXlinkError(error)) {
      output.error(error);
      return EXIT.failed;
    }
    throw error;
  }
}

const OUTPUT_OPTIONS = { json: { type: 'boolean' }, jsonl: { type: 'boolean' } } as const;

async function provisionCommand(argv: readonly string[], output: Output): Promise<number> {
  // Everything the tool creates is for its owner only: files 0600, folders 0700.
  process.umask(0o077);
  const [sub, ...rest] = argv;
  if (sub === 'keygen') return keygen(rest, output);
  if (sub === 'open') return openSealed(rest, output);
  if (sub === 'verify') return verify(rest, output);
  if (sub === 'custody') return custodyCommand(rest, output);
  if (sub === '--help' || sub === 'help') {
    output.note(PROVISION_HELP);
    return EXIT.ok;
  }
  return batchCommand(argv, output);
}

async function batchCommand(argv: readonly string[], output: Output): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      product: { type: 'string' },
      batch: { type: 'string' },
      count: { type: 'string' },
      serials: { type: 'string' },
      scopes: { type: 'string', default: 'telemetry' },
      out: { type: 'string' },
      format: { type: 'string', default: 'bin' },
      'master-secret': { type: 'string' },
      'master-shares': { type: 'string' },
      'hmac-key': { type: 'string' },
      'seal-to': { type: 'string' },
      'operator-key': { type: 'string' },
      registry: { type: 'string' },
      'group-size': { type: 'string' },
      threads: { type: 'string' },
      csv: { type: 'boolean' },
      ...OUTPUT_OPTIONS,
    },
  });
  const product = required(values.product, '--product');
  const batch = required(values.batch, '--batch');
  const out = required(values.out, '--out');
  if (!isArtifactFormat(values.format)) throw new UsageError(`unknown --format ${JSON.stringify(values.format)}`);
  if ((values.count === undefined) === (values.serials === undefined)) {
    throw new UsageError('give exactly one of --count and --serials');
  }
  if (values['master-secret'] !== undefined && values['master-shares'] !== undefined) {
    throw new UsageError('give at most one of --master-secret and --master-shares');
  }
  if ((values['seal-to'] === undefined) !== (values['operator-key'] === undefined)) {
    throw new UsageError('--seal-to needs --operator-key (the operator signs sealed artifacts), and the reverse');
  }
  const crypto = createNodeCrypto();
  const serials =
    values.count !== undefined
      ? serialsFromCount(batch, Number(values.count))
      : serialsFromList(
          await readInput(values.serials as string),
          (values.serials as string).endsWith('.jsonl') ? 'jsonl' : 'csv',
        );
  const scopes = values.scopes.split(',').filter((scope) => scope.length > 0);
  const seeds: SeedSource =
    values['master-secret'] !== undefined
      ? { kind: 'master', secret: await readSecretFile(values['master-secret'], 'master secret') }
      : values['master-shares'] !== undefined
        ? {
            kind: 'master',
            secret: await combineShareFiles(
              values['master-shares'].split(','),
              required(values['hmac-key'], '--hmac-key'),
            ),
          }
        : { kind: 'random' };
  const seal =
    values['seal-to'] === undefined
      ? undefined
      : {
          station: await stationFromDocument(values['seal-to'], crypto),
          operator: await operatorFromFile(values['operator-key'] as string, crypto),
        };
  const alreadyProvisioned =
    values.registry === undefined ? undefined : await registeredSerials(values.registry, crypto);
  const groupSize = values['group-size'] === undefined ? undefined : Number(values['group-size']);
  const threads = values.threads === undefined ? availableParallelism() : Number(values.threads);
  if (!Number.isSafeInteger(threads) || threads < 0 || threads > 64) {
    throw new UsageError(`--threads expects 0 to 64, got ${JSON.stringify(values.threads)}`);
  }
  const bar = output.progress(serials.length, `provisioning ${batch}`);
  try {
    const result = await runBatch({
      out,
      product,
      batch,
      scopes,
      serials,
      seeds,
      format: values.format,
      ...(seal === undefined ? {} : { seal }),
      ...(alreadyProvisioned === undefined ? {} : { alreadyProvisioned }),
      ...(groupSize === undefined ? {} : { groupSize }),
      threads,
      csv: values.csv === true,
      crypto,
      onDevice: (entry) => output.record(entry),
      onProgress: (done) => bar?.update(done),
    });
    bar?.stop();
    const summary = {
      product,
      batch,
      devices: result.devices,
      requested: serials.length,
      resumed: result.resumed,
      abandoned: result.abandoned,
      failed: result.failed,
      manifest: result.manifest,
      journalHead: result.journalHead,
      complete: result.complete,
    };
    output.document(
      summary,
      `${batch}: ${result.devices}/${serials.length} devices provisioned` +
        (result.resumed > 0 ? ` (${result.resumed} from an earlier run)` : '') +
        `; manifest ${result.manifest}; journal head ${result.journalHead}` +
        result.failed.map((f) => `\n  failed ${f.serial}: ${f.code}: ${f.message}`).join(''),
    );
    return result.failed.length > 0 ? EXIT.partial : EXIT.ok;
  } finally {
    bar?.stop();
  }
}

async function keygen(argv: readonly string[], output: Output): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { out: { type: 'string' }, ...OUTPUT_OPTIONS } });
  const out = required(values.out, '--out');
  const crypto = createNodeCrypto();
  const seed = crypto.randomBytes(32);
  const keys = await documentKeysFromSeed(seed, { crypto });
  if (!keys.ok) throw xlinkError(keys.error.code, keys.error.message);
  const document = await createIdentityDocument(keys.value, {
    crypto,
    versions: ['signed', 'v1'],
    sequence: 1,
    issuedAt: Date.now(),
  });
  await writeSecretFile(out, seed);
  seed.fill(0);
  const result = { did: keys.value.did, document: identityDocumentToJson(document) };
  // The public half, as --seal-to and --operator take it; always JSON, it is meant to be saved.
  output.document(result, JSON.stringify(result));
  return EXIT.ok;
}

async function openSealed(argv: readonly string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'station-key': { type: 'string' },
      operator: { type: 'string' },
      out: { type: 'string' },
      ...OUTPUT_OPTIONS,
    },
  });
  const [input] = positionals;
  if (input === undefined || positionals.length > 1) throw new UsageError('open takes one sealed artifact');
  const crypto = createNodeCrypto();
  const station = await stationKeysFromFile(required(values['station-key'], '--station-key'), crypto);
  const opened = await openArtifact(await readInput(input, 'bytes'), { station, operatorDid: values.operator, crypto });
  const out = values.out ?? (input.endsWith(SEALED_EXTENSION) ? input.slice(0, -SEALED_EXTENSION.length) : undefined);
  if (out === undefined) throw new UsageError('give --out: the input does not end in .sealed');
  await writeFile(out, opened.artifact, { flag: 'wx', mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
    throw xlinkError('PROVISION_IO_FAILED', `cannot create ${out}: ${error.code ?? error.message}`);
  });
  output.document({ out, sender: opened.sender }, `${out}: opened (sealed by ${opened.sender})`);
  return EXIT.ok;
}

async function verify(argv: readonly string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      manifest: { type: 'string' },
      registry: { type: 'string' },
      operator: { type: 'string' },
      'station-key': { type: 'string' },
      ...OUTPUT_OPTIONS,
    },
  });
  if (positionals.length === 0) throw new UsageError('verify takes at least one artifact');
  const crypto = createNodeCrypto();
  const entries = parseManifest(await readInput(required(values.manifest, '--manifest')));
  const manifest = new Map(entries.map((entry) => [entry.did, entry]));
  const station =
    values['station-key'] === undefined ? undefined : await stationKeysFromFile(values['station-key'], crypto);
  const { FileTrustRegistry } = await import('xlink/registry/node');
  const registry =
    values.registry === undefined
      ? undefined
      : await FileTrustRegistry.open({
          path: values.registry,
          crypto,
          readOnly: true,
          ...(values.operator === undefined ? {} : { operator: { did: values.operator } }),
        });
  const results: unknown[] = [];
  let mismatches = 0;
  try {
    for (const path of positionals) {
      try {
        const checked = await verifyArtifact(path, await readInput(path, 'bytes'), {
          manifest,
          crypto,
          ...(registry === undefined ? {} : { registry }),
          ...(station === undefined ? {} : { station }),
          ...(values.operator === undefined ? {} : { operatorDid: values.operator }),
        });
        const result = { path, ok: true, ...checked };
        results.push(result);
        output.record(result);
        if (!output.json && !output.jsonl) output.document(result, `${path}: ok ${checked.serial} ${checked.did}`);
      } catch (error) {
        if (!isXlinkError(error)) throw error;
        mismatches += 1;
        const result = { path, ok: false, code: error.code, message: error.message };
        results.push(result);
        output.record(result);
        if (!output.json && !output.jsonl) output.error(error);
      }
    }
  } finally {
    await registry?.close();
  }
  if (output.json) output.document(results, '');
  return mismatches > 0 ? EXIT.mismatch : EXIT.ok;
}

/** Names of registry entries (serials, as `xlink registry import` names them) → DIDs. */
async function registeredSerials(
  path: string,
  crypto: ReturnType<typeof createNodeCrypto>,
): Promise<ReadonlyMap<string, string>> {
  const { FileTrustRegistry } = await import('xlink/registry/node');
  const registry = await FileTrustRegistry.open({ path, crypto, readOnly: true });
  try {
    const known = new Map<string, string>();
    for (const entry of await registry.list()) if (entry.name !== undefined) known.set(entry.name, entry.did);
    return known;
  } finally {
    await registry.close();
  }
}
