/**
 * `xlink/gateway/node`: the verification daemon as a library, for tools that
 * start one in their own process (the fleet simulator's `--embedded` target)
 * the way `xlink gateway` does, and its HTTP server for /livez, /readyz and
 * /metrics (the simulator serves its own metrics on it).
 *
 *   import { resolveGatewayConfig, runGateway } from 'xlink/gateway/node';
 *   const running = await runGateway(unwrap(resolveGatewayConfig({ file: { app: 'acme' } })), { log });
 */
export { type GatewayConfig, resolveGatewayConfig } from '../config.js';
export type { GatewayLog } from './gateway.js';
export { startHealthServer } from './health-server.js';
export { type RunningGateway, runGateway } from './run-gateway.js';
