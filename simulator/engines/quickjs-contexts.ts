/**
 * QuickJS machines in this process (quickjs-emscripten): each
 * `openQuickJsContext()` is its own runtime (own heap, own memory limit) and
 * context; all share the one WebAssembly module, loaded on first use.
 *
 *   const machine = await openQuickJsContext({ memoryLimit: 1 << 20 });
 *   machine.evaluate(script, 'xlink-device.js');
 *   const text = machine.evaluateString('JSON.stringify(answer())');
 *   machine.memoryUsed(); // memory_used_size, bytes
 *   machine.close();
 *
 * quickjs-emscripten is imported dynamically so that a host without it gets
 * ENGINE_UNAVAILABLE with a hint, not a module-not-found at start. A script
 * that throws gives ENGINE_FAILED carrying the engine's message.
 */
import { quote, xlinkError } from 'xlink/errors';

type QuickJsModule = typeof import('quickjs-emscripten');
type QuickJsWasm = Awaited<ReturnType<QuickJsModule['getQuickJS']>>;

export interface QuickJsContext {
  evaluate(code: string, filename: string): void;
  /** Evaluates `code`, whose value must be a string, and returns it. */
  evaluateString(code: string): string;
  /** The runtime's own figure: memory_used_size, in bytes. */
  memoryUsed(): number;
  close(): void;
}

let loading: Promise<QuickJsWasm> | undefined;

async function quickJs(): Promise<QuickJsWasm> {
  loading ??= import('quickjs-emscripten').then(
    (module) => module.getQuickJS(),
    (cause: unknown) => {
      loading = undefined;
      throw xlinkError('ENGINE_UNAVAILABLE', 'QuickJS needs quickjs-emscripten, which is not installed', {
        field: 'quickjs',
        cause,
      });
    },
  );
  return loading;
}

export async function openQuickJsContext(options: { readonly memoryLimit?: number } = {}): Promise<QuickJsContext> {
  const runtime = (await quickJs()).newRuntime();
  if (options.memoryLimit !== undefined) runtime.setMemoryLimit(options.memoryLimit);
  const context = runtime.newContext();
  const evaluated = (code: string, filename: string) => {
    const result = context.evalCode(code, filename);
    if (result.error !== undefined) {
      const failure = context.dump(result.error) as { message?: unknown } | unknown;
      result.error.dispose();
      const message =
        typeof failure === 'object' && failure !== null && 'message' in failure ? failure.message : failure;
      throw xlinkError('ENGINE_FAILED', `QuickJS: ${quote(String(message), 400)}`, { field: 'quickjs' });
    }
    return result.value;
  };
  return {
    evaluate(code, filename) {
      evaluated(code, filename).dispose();
    },
    evaluateString(code) {
      const handle = evaluated(code, 'call.js');
      try {
        return context.getString(handle);
      } finally {
        handle.dispose();
      }
    },
    memoryUsed() {
      const usage = runtime.computeMemoryUsage();
      const used = context.getProp(usage, 'memory_used_size');
      try {
        return context.getNumber(used);
      } finally {
        used.dispose();
        usage.dispose();
      }
    },
    close() {
      context.dispose();
      runtime.dispose();
    },
  };
}
