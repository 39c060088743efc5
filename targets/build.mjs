// Builds the device targets and holds each to targets/budgets.json: the
// bytes (minified and gzip) and the modules and strings that must not leak
// in. esbuild.config.mjs calls it (printing the table, failing the build on a
// breach) and so do the tests, so there is one budget mechanism.
//
//   const results = await buildTargets({ write: true });
//   console.log(budgetTable(results)); // one row per target; breaches named
//
// Public API only: `xlink/<subpath>` resolves through package.json exports to
// the source file behind dist/, so a target bundles exactly what a firmware
// build from the published package would.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { minify } from 'terser';
import ts from 'typescript';

const root = join(dirname(new URL(import.meta.url).pathname), '..');

export function loadBudgets() {
  const all = JSON.parse(readFileSync(join(root, 'targets/budgets.json'), 'utf8'));
  return Object.entries(all).filter(([name]) => !name.startsWith('//'));
}

/** `xlink/x` → the source file whose build is the export's dist file. */
function publicApi() {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    name: 'xlink-public-api',
    setup(build) {
      build.onResolve({ filter: /^xlink(\/|$)/ }, (args) => {
        const entry = exports[`.${args.path.slice('xlink'.length)}`];
        if (entry === undefined) return { errors: [{ text: `${args.path} is not a public subpath of xlink` }] };
        const dist = typeof entry === 'string' ? entry : (entry.default ?? entry.node?.default);
        return { path: join(root, dist.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')) };
      });
    },
  };
}

/**
 * @stablelib/random builds its system source when imported (a side effect,
 * and a probe of the host's crypto): @stablelib/ed25519 imports it only for
 * key generation, which a device never runs. Declared free of side effects,
 * it leaves the bundle with nothing of it used.
 */
const stablelibRandomUnused = {
  name: 'stablelib-random-unused',
  setup(build) {
    build.onResolve({ filter: /^@stablelib\/random$/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      return { path: resolved.path, sideEffects: false };
    });
  },
};

/**
 * tsc's own helpers carry fallbacks for ES3 engines (no Object.create, no
 * setPrototypeOf), some 900 bytes in a device bundle; every ES5 engine we
 * target (Espruino, Duktape) has both, so the ES5 build defines these short
 * ones instead. A helper tsc asks for that is not here fails the build, naming
 * it, rather than shipping a bundle that calls an undefined function.
 */
const ES5_HELPERS = {
  __extends:
    'function __extends(d, b) { Object.setPrototypeOf(d, b); d.prototype = Object.create(b.prototype); d.prototype.constructor = d; }',
};

function es5Helpers(code) {
  const wanted = new Set(code.match(/\b__[a-zA-Z]+(?=\()/g) ?? []);
  const missing = [...wanted].filter((name) => ES5_HELPERS[name] === undefined);
  if (missing.length > 0)
    throw new Error(`the ES5 build has no helper for ${missing.join(', ')}: avoid the syntax or add one`);
  return `${[...wanted].map((name) => ES5_HELPERS[name]).join('\n')}\n${code}`;
}

/** Bundles one target; the ES5 ones go on through tsc (ES5 syntax) and terser. */
export async function bundleTarget(budget, { minifyEs5 = true } = {}) {
  const es5 = budget.syntax === 'es5';
  const result = await esbuild.build({
    entryPoints: [join(root, budget.entry)],
    bundle: true,
    minify: !es5,
    write: false,
    format: 'esm',
    target: es5 ? 'es2022' : budget.syntax,
    platform: budget.platform ?? 'neutral',
    mainFields: ['module', 'main'],
    packages: budget.platform === 'node' ? 'external' : undefined,
    plugins: [publicApi(), stablelibRandomUnused],
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  // The modules that put code into the output: esbuild visits more (metafile.inputs), tree-shaking drops the rest.
  const inputs = [];
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (bytesInOutput > 0) inputs.push(input);
  }
  let code = result.outputFiles[0].text;
  if (es5) {
    // tsc lowers what esbuild cannot (classes, arrows, let, destructuring) and turns exports into `exports.x = x`, which
    // Espruino's module loader provides. terser then minifies as ES5: hoisted functions (Espruino does not hoist
    // declarations), and never the names Espruino cannot take as identifiers.
    code = es5Helpers(
      ts.transpileModule(code, {
        compilerOptions: {
          target: ts.ScriptTarget.ES5,
          module: ts.ModuleKind.CommonJS,
          removeComments: true,
          noEmitHelpers: true,
        },
        fileName: 'device.js',
      }).outputText,
    );
    if (!minifyEs5) return { code, inputs };
    // toplevel: the file is a module body (Espruino runs it inside a function, as Modules.addCached does), so its
    // top-level names are private and can be mangled too; only `exports.x` is public.
    // pure_getters: no getter in the bundle has an effect, so a property read whose value is unused can go.
    // Properties named `_lowercase` are private by convention (@stablelib's hash state) and never touched by a host:
    // mangled too, which saves 600 bytes of `this._stateHi` alone.
    const minified = await minify(code, {
      ecma: 5,
      toplevel: true,
      compress: { hoist_funs: true, passes: 3, pure_getters: true },
      mangle: { reserved: ['of', 'let', 'static', 'exports'], properties: { regex: /^_[a-z]/ } },
      format: { ascii_only: true },
    });
    code = minified.code;
  }
  return { code, inputs };
}

/**
 * Builds every target of targets/budgets.json (or the one named `only`, its
 * budget changed by `override`, as the tests do to see a breach named); with
 * `write`, into dist/targets/<name>/.
 */
export async function buildTargets({ write = false, only, override = {} } = {}) {
  const results = [];
  for (const [name, listed] of loadBudgets()) {
    if (only !== undefined && name !== only) continue;
    const budget = { ...listed, ...override };
    const { code, inputs } = await bundleTarget(budget);
    const minifiedBytes = Buffer.byteLength(code);
    const gzipBytes = gzipSync(code, { level: 9 }).length;
    const leakedModules = inputs.filter((input) => budget.forbiddenModules.some((module) => input.includes(module)));
    const leakedStrings = budget.forbiddenStrings.filter((text) => code.includes(text));
    const breaches = [];
    if (minifiedBytes > budget.minifiedBytes) breaches.push(`${minifiedBytes} B minified > ${budget.minifiedBytes}`);
    if (gzipBytes > budget.gzipBytes) breaches.push(`${gzipBytes} B gzip > ${budget.gzipBytes}`);
    for (const module of leakedModules) breaches.push(`module leaked in: ${module}`);
    for (const text of leakedStrings) breaches.push(`string leaked in: ${JSON.stringify(text)}`);
    const files = [{ path: budget.output, text: code }];
    if (budget.addCached !== undefined) {
      // Espruino: paste into the IDE's right-hand side or upload as a file; then require(id) anywhere.
      files.push({
        path: budget.addCached.output,
        text: `Modules.addCached(${JSON.stringify(budget.addCached.id)},${JSON.stringify(code)});\n`,
      });
    }
    if (write) {
      for (const file of files) {
        await mkdir(dirname(join(root, file.path)), { recursive: true });
        await writeFile(join(root, file.path), file.text);
      }
    }
    results.push({ name, budget, code, inputs, minifiedBytes, gzipBytes, breaches, files });
  }
  return results;
}

/** The table the build prints: every target against its budget, breaches named. */
export function budgetTable(results) {
  const rows = [['target', 'minified', 'budget', 'gzip', 'budget', 'status']];
  for (const r of results) {
    rows.push([
      r.name,
      String(r.minifiedBytes),
      String(r.budget.minifiedBytes),
      String(r.gzipBytes),
      String(r.budget.gzipBytes),
      r.breaches.length === 0 ? 'ok' : `BREACH: ${r.breaches.join('; ')}`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => (i === 5 ? 0 : row[i].length))));
  return rows.map((row) => row.map((cell, i) => (i === 5 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
