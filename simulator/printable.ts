/**
 * Untrusted text made safe to show: a DLQ reason is a topic segment, and
 * anyone who may publish under `dlq/` chooses it. Shown raw in a terminal, an
 * ESC or C1 control re-colours or rewrites the screen; a bidi override makes
 * `ok` read as something else. Each such character becomes a visible `\uXXXX`,
 * and the text is cut to `max` characters with an ellipsis.
 *
 *   printable('verification-failed\u001b[2J')  // 'verification-failed\\u001b[2J'
 *
 * HTML escaping is apart (report/escape-html.ts): this makes text honest to
 * read, that makes it inert in markup; the report applies both.
 */
/** DEL, C1, the bidi marks, embeddings, overrides and isolates, and the line and paragraph separators. */
export const INVISIBLE: RegExp = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what it is for.
const C0 = /[\u0000-\u001f]/g;

export const PRINTABLE_LENGTH = 80;

export function printable(text: string, max: number = PRINTABLE_LENGTH): string {
  const shown = text.replace(C0, unicodeEscape).replace(INVISIBLE, unicodeEscape);
  if (shown.length <= max) return shown;
  const cut = shown.slice(0, max - 1);
  // Never end on half a surrogate pair: that would print as U+FFFD.
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** `\u` and four hex digits: how JSON and JavaScript write the character. */
export function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
