// The device targets on the real engines: each engine runs its target's
// bundle, built exactly as `npm run build` ships it, through the one
// conformance suite (conformance.ts). On CI every engine must run
// (XLINK_REQUIRE_DUKTAPE=1 for `duk`; xsnap and QuickJS are npm packages).
import { buildTargets } from '../../targets/build.mjs';
import { describeDeviceConformance } from './conformance.js';
import { engines } from './engines.js';

let built: Promise<Map<string, string>> | undefined;
function bundles(): Promise<Map<string, string>> {
  const building = built ?? buildTargets().then((results) => new Map(results.map((r) => [r.name, r.code])));
  built = building;
  return building;
}

for (const engine of engines) {
  describeDeviceConformance(engine, async () => {
    const code = (await bundles()).get(engine.target);
    if (code === undefined) throw new Error(`targets/budgets.json has no ${engine.target} target`);
    return code;
  });
}
