/**
 * Commands of the `xlink` bin whose code lives outside src/: `provision` and
 * `registry` (the factory tool, provisioning/), `simulate` (simulator/). src/ never imports
 * provisioning/ (the layer rule): the bin loads it by path when such a command
 * is run, so nothing else, device bundles least of all, ever sees it. The path
 * is the same module in the source tree (run by tsx) and in dist/ (built
 * beside src/ by esbuild.config.mjs); it imports only public subpaths.
 */

/** Command name → the module, relative to src/ (or dist/), whose `main(argv)` runs it. */
const EXTERNAL_COMMANDS: Readonly<Record<string, string>> = {
  provision: 'provisioning/cli',
  registry: 'provisioning/cli',
  simulate: 'simulator/cli',
};

export function isExternalCommand(command: string | undefined): command is string {
  return command !== undefined && Object.hasOwn(EXTERNAL_COMMANDS, command);
}

export async function runExternalCommand(command: string, argv: readonly string[]): Promise<number> {
  const here = new URL(import.meta.url);
  const fromSource = here.pathname.endsWith('.ts');
  // src/cli/x.ts → ../../provisioning/cli.ts; dist/cli/x.js → ../provisioning/cli.js (simulator/ alike)
  const target = new URL(
    `${fromSource ? '../../' : '../'}${EXTERNAL_COMMANDS[command]}${fromSource ? '.ts' : '.js'}`,
    here,
  );
  const module = (await import(target.href)) as { main(argv: readonly string[]): Promise<number> };
  return module.main([command, ...argv]);
}
