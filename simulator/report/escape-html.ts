/**
 * Text into HTML text or a quoted attribute value: the five characters that
 * can end either are replaced by entities, nothing else is changed.
 *
 *   `<td>${escapeHtml(reason)}</td>`, `<rect aria-label="${escapeHtml(label)}">`
 */
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
