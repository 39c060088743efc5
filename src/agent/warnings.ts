/**
 * Runtime warnings of the Agent: things that work but should not be left so.
 * Each kind is reported once per agent (per share count, for the transport
 * warning), to `onWarning` if given, else to the host's `console.warn`.
 *
 *   const agent = await Agent.create({ …, onWarning: (w) => log.warn(w.code, w.message) });
 */

export type AgentWarningCode = 'DEPRECATED_OPTION' | 'FEWER_TRANSPORTS_THAN_SHARES';

export interface AgentWarning {
  readonly code: AgentWarningCode;
  readonly message: string;
}

export type WarningHandler = (warning: AgentWarning) => void;

/** Reports each distinct `key` once. */
export class OnceWarnings {
  readonly #handler: WarningHandler;
  readonly #seen = new Set<string>();

  constructor(handler: WarningHandler | undefined) {
    this.#handler = handler ?? hostConsoleWarn;
  }

  warn(key: string, warning: AgentWarning): void {
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#handler(warning);
  }
}

function hostConsoleWarn(warning: AgentWarning): void {
  (globalThis as { console?: { warn?: (...args: unknown[]) => void } }).console?.warn?.(
    `xlink ${warning.code}: ${warning.message}`,
  );
}
