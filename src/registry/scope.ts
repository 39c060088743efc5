/**
 * Registered scope lists: the scopes a DID may send under.
 *
 *   assertRegisteredScopes(['telemetry', 'fleet/eu-1:read']); // ok
 *   assertRegisteredScopes(['*']);                           // ANY_SCOPE: every scope
 *   assertRegisteredScopes(['telemetry admin']);             // throws INVALID_SCOPE naming the value
 *
 * Each entry is a scope as envelopes carry it (src/envelope/scope.ts: 1 to 64
 * characters from A-Z a-z 0-9 . _ : / -) or exactly ANY_SCOPE; no entry twice;
 * at most MAX_REGISTERED_SCOPES. The scope syntax itself lives in the envelope
 * layer, which may not import this one.
 */
import { assertScope } from '../envelope/scope.js';
import { quote, xlinkError } from '../errors.js';

/** A registered scope that allows every scope. Agents register with it only when asked for no scopes; operators grant explicit lists. */
export const ANY_SCOPE = '*';

/** Most scopes one registry entry may hold. */
export const MAX_REGISTERED_SCOPES = 256;

/**
 * Throws unless `scopes` is an array of at most MAX_REGISTERED_SCOPES entries,
 * each a valid scope or exactly ANY_SCOPE, none twice: INVALID_ARGUMENT for a
 * non-array, INVALID_SCOPE otherwise.
 */
export function assertRegisteredScopes(scopes: unknown, field = 'scopes'): asserts scopes is readonly string[] {
  if (!Array.isArray(scopes)) {
    const got = scopes === null ? 'null' : typeof scopes;
    throw xlinkError('INVALID_ARGUMENT', `"${field}" expected an array of scopes, got ${got}`, { field });
  }
  if (scopes.length > MAX_REGISTERED_SCOPES) {
    throw xlinkError(
      'INVALID_SCOPE',
      `"${field}" expected at most ${MAX_REGISTERED_SCOPES} scopes, got ${scopes.length}`,
      { field },
    );
  }
  const seen = new Set<string>();
  scopes.forEach((scope: unknown, index) => {
    if (scope !== ANY_SCOPE) assertScope(scope, `${field}[${index}]`);
    const text = scope as string;
    if (seen.has(text)) {
      // Valid scopes are short ASCII, so quoting one whole is safe.
      throw xlinkError('INVALID_SCOPE', `"${field}" lists ${quote(text)} twice`, {
        field: `${field}[${index}]`,
      });
    }
    seen.add(text);
  });
}
