/**
 * A device bundle as the script its engine runs: it defines the global
 * `xlink`. An ES module's closing `export{a as b,…}` becomes one assignment
 * at its place, so the code runs exactly as the module would (a rewrap into
 * getters over not-yet-initialised bindings trips XS's TDZ checks). The ES5
 * (Espruino) file runs inside a module function, as Modules.addCached would.
 *
 *   evaluate(asScript('moddable', bundle)); // then xlink.createNobleDevice(…)
 */
export type TargetName = 'moddable' | 'quickjs' | 'espruino';

export function asScript(target: TargetName, code: string): string {
  if (target === 'espruino') return `var xlink = {}; (function (exports) {\n${code}\n})(xlink);`;
  const match = /export\s*\{([^}]*)\};?\s*$/.exec(code);
  if (match === null) throw new Error(`the ${target} bundle does not end in one export clause`);
  const members = (match[1] as string)
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const [local, exported = local] = part.trim().split(/\s+as\s+/);
      return `${exported}: ${local}`;
    });
  return `var xlink = (function () {\n${code.slice(0, match.index)}\nreturn { ${members.join(', ')} };\n})();`;
}
