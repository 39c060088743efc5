// Types of targets/build.mjs for the TypeScript tests and benchmarks that call it.
export interface TargetBudget {
  readonly entry: string;
  readonly output: string;
  readonly syntax: string;
  readonly platform?: 'node';
  readonly addCached?: { readonly id: string; readonly output: string };
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
  readonly forbiddenModules: readonly string[];
  readonly forbiddenStrings: readonly string[];
}

export interface TargetBuild {
  readonly name: string;
  readonly budget: TargetBudget;
  readonly code: string;
  readonly inputs: readonly string[];
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
  readonly breaches: readonly string[];
  readonly files: readonly { readonly path: string; readonly text: string }[];
}

export function loadBudgets(): [string, TargetBudget][];
export function bundleTarget(
  budget: TargetBudget,
  options?: { readonly minifyEs5?: boolean },
): Promise<{ code: string; inputs: string[] }>;
export function buildTargets(options?: {
  readonly write?: boolean;
  readonly only?: string;
  readonly override?: Partial<TargetBudget>;
}): Promise<TargetBuild[]>;
export function budgetTable(results: readonly TargetBuild[]): string;
