/**
 * Output conventions of `xlink provision` and `xlink registry`: data on
 * stdout, everything for people on stderr.
 *
 *   const output = new Output(process, { json, jsonl });
 *   output.progress(total)?.update(n);  // a bar on stderr: TTY only, never with --json/--jsonl
 *   output.record({ serial, did });     // --jsonl: one line per record as it comes
 *   output.document({ devices: 1000 }); // --json: one document at the end; otherwise a line of text
 *
 * NO_COLOR (any value, https://no-color.org) turns colour off; so does a
 * stderr that is not a terminal. Exit codes are EXIT below.
 */
import cliProgress from 'cli-progress';
import type { XlinkError } from 'xlink/errors';
import { withHint } from 'xlink/errors/hints';

/** Exit codes, documented in docs/provisioning.md. */
export const EXIT = {
  ok: 0,
  /** A typed error stopped the command; the message names its code. A re-run resumes a batch. */
  failed: 1,
  usage: 2,
  /** The batch (or import) finished with some devices failed; the rest are done. Re-run to retry them. */
  partial: 3,
  /** `verify`: an artifact does not match the manifest or registry. */
  mismatch: 4,
} as const;

export interface OutputStreams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

export class Output {
  readonly #streams: OutputStreams;
  readonly json: boolean;
  readonly jsonl: boolean;

  constructor(streams: OutputStreams, { json = false, jsonl = false }: { json?: boolean; jsonl?: boolean }) {
    this.#streams = streams;
    this.json = json;
    this.jsonl = jsonl;
  }

  get #colour(): boolean {
    return this.#streams.stderr.isTTY === true && this.#streams.env.NO_COLOR === undefined;
  }

  /** A progress bar on stderr, or undefined when there must be none. */
  progress(total: number, what: string): { update(done: number): void; stop(): void } | undefined {
    if (this.json || this.jsonl || this.#streams.stderr.isTTY !== true) return undefined;
    const bar = new cliProgress.SingleBar(
      {
        stream: this.#streams.stderr,
        format: `${what} [{bar}] {value}/{total} {percentage}% eta {eta}s`,
        barCompleteChar: '#',
        barIncompleteChar: '.',
        hideCursor: true,
        noTTYOutput: false,
      },
      cliProgress.Presets.legacy,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }

  /** One record for --jsonl (streamed); nothing otherwise. */
  record(value: unknown): void {
    if (this.jsonl) this.#streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** The command's result: one JSON document with --json, text lines otherwise, nothing extra with --jsonl. */
  document(value: unknown, text: string): void {
    if (this.json) this.#streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else if (!this.jsonl) this.#streams.stdout.write(`${text}\n`);
  }

  /** A line for people, on stderr. */
  note(text: string): void {
    this.#streams.stderr.write(`${text}\n`);
  }

  error(error: XlinkError): void {
    const { code, message, hint } = withHint(error.detail);
    const label = this.#colour ? `\u001b[31m${code}\u001b[0m` : code;
    this.#streams.stderr.write(`xlink: ${label}: ${message}\n${hint === undefined ? '' : `  hint: ${hint}\n`}`);
  }
}
