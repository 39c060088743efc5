/**
 * Which sends are split (white paper, "Split-Channel Mode"): `security` on a
 * send names the level; `auto` asks the risk policy, which escalates
 * high-value amounts, sensitive scopes and critical actions.
 *
 *   thresholdFor({ security: 'critical' }, policy);                        // { k: 3, n: 5 }
 *   thresholdFor({ security: 'auto', scope: 'custody', payload }, policy); // { k: 2, n: 3 }
 *   thresholdFor({ security: 'standard' }, policy);                        // undefined: one envelope
 *
 * The deprecated `splitChannel: true` (2-of-3) and `splitChannelConfig`
 * (`{ threshold, totalShares }`) still select a split; the agent warns once.
 */
import { quote, xlinkError } from '../errors.js';
import { THREE_OF_FIVE, type Threshold, TWO_OF_THREE, thresholdParameters } from '../split/parameters.js';

export type SecurityLevel = 'auto' | 'standard' | 'high' | 'critical';

export interface SecurityPolicy {
  /** A payload whose numeric `amount` is at least this is high-value; default 10 000. */
  readonly highValueAmount?: number;
  /** Scopes (or the part before ':', so `payment:notify` matches `payment`) that are sensitive. */
  readonly sensitiveScopes?: readonly string[];
  /** `action` values (on the send, or the payload's `action`) that are critical. */
  readonly criticalActions?: readonly string[];
  /** What `auto` escalates to; default `high` (2-of-3). */
  readonly escalateTo?: 'high' | 'critical';
}

export const DEFAULT_SECURITY_POLICY: Required<SecurityPolicy> = {
  highValueAmount: 10_000,
  sensitiveScopes: ['custody', 'payment', 'payments', 'finance', 'medical', 'phi', 'classified', 'secure'],
  criticalActions: ['execute', 'transfer', 'withdraw', 'delete'],
  escalateTo: 'high',
};

/** The deprecated form of a split request. */
export interface SplitChannelConfig {
  readonly threshold?: number;
  readonly totalShares?: number;
}

export interface SecurityRequest {
  readonly security?: SecurityLevel;
  readonly splitChannel?: boolean;
  readonly splitChannelConfig?: SplitChannelConfig;
  readonly scope?: string;
  readonly action?: string;
  readonly payload?: unknown;
}

const LEVELS: readonly SecurityLevel[] = ['auto', 'standard', 'high', 'critical'];

/** True when the request uses the deprecated options. */
export function usesDeprecatedSplitOptions(request: SecurityRequest): boolean {
  return request.splitChannel !== undefined || request.splitChannelConfig !== undefined;
}

/**
 * The split a send asks for, or undefined for one plain envelope. Throws
 * INVALID_ARGUMENT for an unknown level and SPLIT_PARAMETERS_INVALID for a
 * `splitChannelConfig` outside 2 ≤ k ≤ n ≤ 16.
 */
export function thresholdFor(request: SecurityRequest, policy: SecurityPolicy = {}): Threshold | undefined {
  const { security } = request;
  if (security !== undefined && !LEVELS.includes(security)) {
    throw xlinkError('INVALID_ARGUMENT', `"security" expected one of ${LEVELS.join(', ')}, got ${quote(security)}`, {
      field: 'security',
    });
  }
  if (security === 'high') return TWO_OF_THREE;
  if (security === 'critical') return THREE_OF_FIVE;
  if (security === 'auto') return isRisky(request, policy) ? levelThreshold(policy) : undefined;
  if (security === 'standard') return undefined;
  const config = request.splitChannelConfig;
  if (config !== undefined) {
    const { k, n } = thresholdParameters(config.threshold ?? TWO_OF_THREE.k, config.totalShares ?? TWO_OF_THREE.n);
    return { k, n };
  }
  return request.splitChannel === true ? TWO_OF_THREE : undefined;
}

function levelThreshold(policy: SecurityPolicy): Threshold {
  return (policy.escalateTo ?? DEFAULT_SECURITY_POLICY.escalateTo) === 'critical' ? THREE_OF_FIVE : TWO_OF_THREE;
}

function isRisky(request: SecurityRequest, policy: SecurityPolicy): boolean {
  const highValue = policy.highValueAmount ?? DEFAULT_SECURITY_POLICY.highValueAmount;
  const scopes = policy.sensitiveScopes ?? DEFAULT_SECURITY_POLICY.sensitiveScopes;
  const actions = policy.criticalActions ?? DEFAULT_SECURITY_POLICY.criticalActions;
  const payload = typeof request.payload === 'object' && request.payload !== null ? request.payload : {};
  const amount = (payload as { amount?: unknown }).amount;
  if (typeof amount === 'number' && Math.abs(amount) >= highValue) return true;
  const scope = request.scope;
  if (scope !== undefined && (scopes.includes(scope) || scopes.includes(scope.split(':')[0] as string))) return true;
  const action = request.action ?? (payload as { action?: unknown }).action;
  return typeof action === 'string' && actions.includes(action);
}
