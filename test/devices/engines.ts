/**
 * The real engines a device bundle runs on, behind one small interface the
 * conformance suite and bench/devices.ts share:
 *
 *   const engine = engines.find((e) => e.name === 'quickjs');
 *   const { value, memory } = await engine.run(bundle, 'return xlink.createNobleDevice(...).did;');
 *
 * `run` boots a fresh engine, loads the bundle as the script the target ships
 * (ES modules rewrapped by esbuild into a script that defines `xlink`; the ES5
 * file inside a module function, as Modules.addCached would run it), runs the
 * body (ES5 source: Duktape accepts nothing newer) with the PRELUDE helpers,
 * and returns what the body returned, through JSON, with the memory figure the
 * engine itself reports.
 *
 * - Moddable XS: a fresh @agoric/xsnap worker, from simulator/engines/
 *   xsnap-workers.ts (the simulator's devices use the same; SES lockdown stays
 *   in its host process). Memory: XS's slot count (currentHeapCount) after
 *   the run; xsnap has no heap limit.
 * - QuickJS: a fresh runtime from simulator/engines/quickjs-contexts.ts, in
 *   process. Memory: its own memory_used_size.
 * - Duktape: the `duk` binary (Debian package duktape). Without it the suite
 *   reports that it did not run, unless XLINK_REQUIRE_DUKTAPE=1 (CI).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asScript, type TargetName } from '../../simulator/engines/as-script.js';
import { openQuickJsContext } from '../../simulator/engines/quickjs-contexts.js';
import { openXsnapWorker } from '../../simulator/engines/xsnap-workers.js';

export interface RunResult {
  readonly value: unknown;
  /** What the engine reports, in its own unit (see `memoryUnit`). */
  readonly memory: number;
}

export interface RunOptions {
  /** QuickJS only: the runtime's setMemoryLimit. */
  readonly memoryLimit?: number;
  /** ES5 scripts in Espruino module form, loaded first, each as the global of its key (`exports.x` → `NAME.x`). */
  readonly libraries?: Readonly<Record<string, string>>;
}

export interface Engine {
  readonly name: 'xs' | 'quickjs' | 'duktape';
  /** The target whose bundle this engine runs. */
  readonly target: TargetName;
  readonly memoryUnit: string;
  /** Why it cannot run here, or undefined when it can. Throws when CI requires it and it cannot. */
  unavailable(): string | undefined;
  run(bundle: string, body: string, options?: RunOptions): Promise<RunResult>;
}

/** ES5 helpers every body may use: hex in and out, a flash-like storage over an object of hex values. */
export const PRELUDE = `
function hex(bytes) { var s = ''; for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16); return s; }
function unhex(text) { var out = new Uint8Array(text.length / 2); for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16); return out; }
function flashStorage(flash) {
  return {
    get: function (key) { return flash.hasOwnProperty(key) ? unhex(flash[key]) : undefined; },
    set: function (key, value) { flash[key] = hex(value); },
    'delete': function (key) { delete flash[key]; }
  };
}
function countingRandom(state) {
  return function (length) { var out = new Uint8Array(length); for (var i = 0; i < length; i++) out[i] = (state.drawn++ * 73 + 11) & 255; return out; };
}
`;

function program(script: string, body: string, options: RunOptions = {}): { script: string; result: string } {
  let libraries = '';
  for (const [name, code] of Object.entries(options.libraries ?? {})) {
    libraries += `var ${name} = {}; (function (exports) {\n${code}\n})(${name});\n`;
  }
  return { script: `${libraries}${script}\n${PRELUDE}`, result: `JSON.stringify((function () {\n${body}\n})())` };
}

const xs: Engine = {
  name: 'xs',
  target: 'moddable',
  memoryUnit: 'XS heap slots (currentHeapCount)',
  unavailable: () => undefined,
  async run(bundle, body, options = {}) {
    const { script, result } = program(asScript('moddable', bundle), body, options);
    const worker = await openXsnapWorker();
    try {
      await worker.evaluate(script);
      const ran = await worker.evaluate(
        `globalThis.__result = ${result}; globalThis.handleCommand = () => new TextEncoder().encode(globalThis.__result).buffer;`,
      );
      const { reply } = await worker.command('result');
      return { value: JSON.parse(reply), memory: Number(ran.currentHeapCount) };
    } finally {
      await worker.close();
    }
  },
};

const quickjs: Engine = {
  name: 'quickjs',
  target: 'quickjs',
  memoryUnit: 'bytes (QuickJS memory_used_size)',
  unavailable: () => undefined,
  async run(bundle, body, options = {}) {
    const machine = await openQuickJsContext(
      options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit },
    );
    try {
      const { script, result } = program(asScript('quickjs', bundle), body, options);
      machine.evaluate(script, 'xlink-device.js');
      const text = machine.evaluateString(result);
      return { value: JSON.parse(text), memory: machine.memoryUsed() };
    } finally {
      machine.close();
    }
  },
};

export function duktapeInstalled(): boolean {
  return spawnSync('which', ['duk'], { stdio: 'ignore' }).status === 0;
}

const duktape: Engine = {
  name: 'duktape',
  target: 'espruino',
  memoryUnit: 'not reported (duk has no heap statistics)',
  unavailable() {
    if (duktapeInstalled()) return undefined;
    if (process.env.XLINK_REQUIRE_DUKTAPE === '1') {
      throw new Error('XLINK_REQUIRE_DUKTAPE=1 but duk is not installed (apt-get install duktape)');
    }
    return 'duk is not installed (apt-get install duktape)';
  },
  async run(bundle, body, options = {}) {
    const { script, result } = program(asScript('espruino', bundle), body, options);
    const dir = mkdtempSync(join(tmpdir(), 'xlink-duk-'));
    try {
      const file = join(dir, 'run.js');
      writeFileSync(file, `${script}\nprint('@@' + ${result});\n`);
      const ran = spawnSync('duk', [file], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      const line = ran.stdout.split('\n').find((l) => l.startsWith('@@'));
      if (ran.status !== 0 || line === undefined) {
        throw new Error(`duk failed (exit ${ran.status}): ${(ran.stdout + ran.stderr).slice(0, 2000)}`);
      }
      return { value: JSON.parse(line.slice(2)), memory: Number.NaN };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const engines: readonly Engine[] = [xs, quickjs, duktape];
