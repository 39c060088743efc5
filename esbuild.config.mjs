// Builds dist/: one ESM file and one .d.ts per source file, so consumers'
// bundlers tree-shake per module. Declarations come from TypeScript's
// transpileDeclaration, which `isolatedDeclarations` makes exact per file.
// Then the device targets (targets/build.mjs): built into dist/targets/, their
// bytes printed against targets/budgets.json, and the build fails on a breach.

import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { budgetTable, buildTargets } from './targets/build.mjs';

const root = dirname(new URL(import.meta.url).pathname);
const srcDir = join(root, 'src');
const outDir = join(root, 'dist');

async function sourceFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

async function writeDeclarations(files) {
  const compilerOptions = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
  const options = ts.convertCompilerOptionsFromJson({ ...compilerOptions, noEmit: false }, root).options;
  for (const file of files) {
    const result = ts.transpileDeclaration(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file });
    const errors = result.diagnostics ?? [];
    if (errors.length > 0) {
      throw new Error(
        ts.formatDiagnostics(errors, {
          getCanonicalFileName: (f) => f,
          getCurrentDirectory: () => root,
          getNewLine: () => '\n',
        }),
      );
    }
    const target = join(outDir, relative(srcDir, file)).replace(/\.ts$/, '.d.ts');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, result.outputText);
  }
}

const files = await sourceFiles(srcDir);
await rm(outDir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: files,
  outdir: outDir,
  outbase: srcDir,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  bundle: false,
  logLevel: 'warning',
});
await writeDeclarations(files);
// The factory tool, which the `xlink` bin loads from dist/provisioning (src/cli/external-commands.ts);
// its `xlink/…` imports stay as they are and resolve to dist/ through the package's exports.
const provisioning = await sourceFiles(join(root, 'provisioning'));
await esbuild.build({
  entryPoints: provisioning,
  outdir: join(outDir, 'provisioning'),
  outbase: join(root, 'provisioning'),
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  bundle: false,
  logLevel: 'warning',
});
// The fleet simulator (`xlink simulate`), loaded from dist/simulator the same way; it imports provisioning/ by
// relative path, which resolves to dist/provisioning.
const simulator = await sourceFiles(join(root, 'simulator'));
await esbuild.build({
  entryPoints: simulator,
  outdir: join(outDir, 'simulator'),
  outbase: join(root, 'simulator'),
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  bundle: false,
  logLevel: 'warning',
});
// The xsnap host the XS devices run under is plain JavaScript, started as a process of its own: copied as it is.
await copyFile(join(root, 'simulator/engines/xsnap-child.mjs'), join(outDir, 'simulator/engines/xsnap-child.mjs'));
console.log(
  `dist/: ${files.length} modules with declarations, ${provisioning.length} provisioning modules, ${simulator.length} simulator modules`,
);

const targets = await buildTargets({ write: true });
console.log(`dist/targets/: device bundles against targets/budgets.json\n${budgetTable(targets)}`);
const breached = targets.filter((target) => target.breaches.length > 0);
if (breached.length > 0) {
  console.error(`device budget breached: ${breached.map((t) => `${t.name} (${t.breaches.join('; ')})`).join(', ')}`);
  process.exit(1);
}
