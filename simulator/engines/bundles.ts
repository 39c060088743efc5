/**
 * The device bundle an engine session loads: exactly what ships. From a
 * source checkout (this file run by tsx) it is built on demand by
 * targets/build.mjs, the build `npm run build` runs, so it is never stale;
 * from dist/ it is the file that build wrote (dist/targets/<target>/).
 * Built or read once per process and target.
 *
 *   const code = await targetBundle('moddable'); // the ES module; asScript() makes it a script
 */
import { readFile } from 'node:fs/promises';
import { quote, xlinkError } from 'xlink/errors';

/** The targets whose bundles run on XS and QuickJS (targets/budgets.json names). */
export type EngineTarget = 'moddable' | 'quickjs';

const built = new Map<EngineTarget, Promise<string>>();

export function targetBundle(target: EngineTarget): Promise<string> {
  let bundle = built.get(target);
  if (bundle === undefined) {
    bundle = load(target);
    built.set(target, bundle);
    bundle.catch(() => built.delete(target));
  }
  return bundle;
}

async function load(target: EngineTarget): Promise<string> {
  if (import.meta.url.endsWith('.ts')) {
    // simulator/engines/ → targets/build.mjs; a devDependency build (esbuild, terser), present in a checkout.
    const { buildTargets } = (await import(new URL('../../targets/build.mjs', import.meta.url).href)) as {
      buildTargets(options: { only: string }): Promise<{ code: string }[]>;
    };
    const [result] = await buildTargets({ only: target });
    if (result === undefined) throw new Error(`targets/budgets.json has no ${target} target`);
    return result.code;
  }
  // dist/simulator/engines/ → dist/targets/<target>/xlink-device.js
  const file = new URL(`../../targets/${target}/xlink-device.js`, import.meta.url);
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw xlinkError('ENGINE_UNAVAILABLE', `the ${target} device bundle is missing: ${quote(file.pathname, 200)}`, {
      field: target,
      cause,
    });
  }
}
