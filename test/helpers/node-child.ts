/**
 * A second Node process running a script against this checkout's sources:
 * for tests that need another process (a lock holder, a writer to follow, a
 * writer to kill).
 *
 *   const child = spawnNode(`import { FileNonceStore } from '${source('replay/node/index.ts')}'; …`, { XLINK_PATH: path });
 *   const output = await runNode(script, env);   // stdout; fails the test unless the exit code is 0
 *
 * Scripts are ES modules run through tsx from the repository root; `env` is
 * added to this process's environment. `lines(child)` yields stdout line by line.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const root = new URL('../../', import.meta.url).pathname;

/** The import specifier of `src/<path>`. */
export function source(path: string): string {
  return new URL(`src/${path}`, `file://${root}`).href;
}

export interface SpawnOptions {
  /** Runs the child under `ulimit -f` (KiB): its writes past the limit fail with EFBIG. */
  readonly fileSizeLimitKiB?: number;
}

export function spawnNode(script: string, env: Record<string, string>, options: SpawnOptions = {}): ChildProcess {
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
  const childEnv = { ...process.env, ...env };
  if (options.fileSizeLimitKiB === undefined) {
    return spawn(node[0] as string, node.slice(1), { cwd: root, env: childEnv });
  }
  // bash counts ulimit -f in KiB; Node ignores SIGXFSZ, so the write fails with EFBIG instead of killing.
  return spawn('bash', ['-c', `ulimit -f ${options.fileSizeLimitKiB} && exec "$0" "$@"`, ...node], {
    cwd: root,
    env: childEnv,
  });
}

/** Runs the script to its end; its stdout. Fails unless it exits with 0 (its stderr in the message). */
export async function runNode(
  script: string,
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<string> {
  const child = spawnNode(script, env, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'close');
  assert.equal(code, 0, stderr);
  return stdout;
}

/** The child's stdout, one line at a time, as it comes. */
export function lines(child: ChildProcess): AsyncIterableIterator<string> {
  assert.ok(child.stdout, 'the child has a stdout pipe');
  return createInterface({ input: child.stdout })[Symbol.asyncIterator]();
}

/** Waits for the line `expected` on the child's stdout; fails with its stderr if it exits first. */
export async function waitForLine(child: ChildProcess, expected: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  for await (const line of lines(child)) if (line === expected) return;
  assert.fail(`the child ended before printing ${JSON.stringify(expected)}: ${stderr}`);
}

/**
 * The start of a child script that registers fresh identities: imports, and
 * `nextDocument(versions)`, a signed document for a new Ed25519 key (the other
 * keys shared: registration checks only signatures), and `nextInput()`, the
 * next line the test writes to the child's stdin. `path` is
 * process.env.XLINK_REGISTRY_PATH, `crypto` the node backend.
 */
export function registryChildPrelude(issuedAt: number): string {
  return `
import { statSync } from 'node:fs';
import { createNodeCrypto } from '${source('crypto/node/index.ts')}';
import { generateIdentity } from '${source('identity/derive.ts')}';
import { didFromEd25519PublicKey } from '${source('identity/did.ts')}';
import { createIdentityDocument } from '${source('identity/document.ts')}';
import { FileTrustRegistry } from '${source('registry/node/index.ts')}';
const path = process.env.XLINK_REGISTRY_PATH;
const crypto = createNodeCrypto();
const template = (await generateIdentity({ crypto })).value;
async function nextDocument(versions) {
  const secretKey = crypto.randomBytes(32);
  const publicKey = (await crypto.ed25519Signer(secretKey)).publicKey;
  const identity = { ...template, did: didFromEd25519PublicKey(publicKey), ed25519: { publicKey, secretKey } };
  return createIdentityDocument(identity, { crypto, versions, sequence: 1, issuedAt: ${issuedAt} });
}
/** The next line on stdin; once called, the child must end with process.exit(). */
let stdin;
async function nextInput() {
  stdin ??= (await import('node:readline')).createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  return (await stdin.next()).value;
}
`;
}
