/**
 * Scope names: what a sender claims to act as, and what a registry grants.
 *
 *   assertScope('payment:notify');  // ok
 *   isValidScope('telemetry admin'); // false: no spaces
 *
 * A scope is 1–64 characters from A-Z a-z 0-9 and `. _ : / -`. The narrow
 * alphabet leaves no room for look-alike spellings (Unicode confusables,
 * whitespace, NUL) that a string comparison would treat as different scopes
 * but a human would not. Scopes are compared exactly; case is significant.
 */
import { quote, xlinkError } from '../errors.js';

export const MAX_SCOPE_LENGTH = 64;

const SCOPE_PATTERN = /^[A-Za-z0-9._:/-]{1,64}$/;

export function isValidScope(scope: unknown): scope is string {
  return typeof scope === 'string' && SCOPE_PATTERN.test(scope);
}

/**
 * Throws INVALID_SCOPE (or `code`: an audience, which follows the same rule, is
 * an argument), quoting at most 64 characters of the bad value.
 */
export function assertScope(
  scope: unknown,
  field = 'scope',
  code: 'INVALID_SCOPE' | 'INVALID_ARGUMENT' = 'INVALID_SCOPE',
): asserts scope is string {
  if (isValidScope(scope)) return;
  const shown = quote(scope);
  throw xlinkError(
    code,
    `"${field}" expected 1 to ${MAX_SCOPE_LENGTH} characters of A-Z a-z 0-9 . _ : / -, got ${shown}`,
    { field },
  );
}
