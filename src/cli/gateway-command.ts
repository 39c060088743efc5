/**
 * `xlink gateway`: the verification daemon. Settings from flags, `XLINK_`
 * variables, a JSON file (`--config` or XLINK_CONFIG) and defaults, in that
 * order (src/gateway/config.ts); logs as JSON lines on stdout (pino); SIGTERM
 * or SIGINT drain it and exit 0.
 *
 *   xlink gateway --broker-url mqtt://127.0.0.1:1883 --app acme --registry /var/lib/xlink/registry.log
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { isXlinkError } from '../errors.js';
import { envName, flagName, resolveGatewayConfig, SETTINGS, type SettingName } from '../gateway/config.js';
import type { GatewayLog } from '../gateway/node/gateway.js';
import { runGateway } from '../gateway/node/run-gateway.js';

export function gatewayHelp(): string {
  const rows = (Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]).map(
    ([name, s]) =>
      `  --${flagName(name).padEnd(22)} ${envName(name).padEnd(28)} ${s.describe}${s.default === undefined || s.default === '' ? '' : ` [${s.default}]`}`,
  );
  return `Usage: xlink gateway [--config file.json] [settings]\n\nSettings (flag, environment variable, description [default]):\n${rows.join('\n')}\n\nDocs: docs/gateway.md`;
}

export async function gatewayCommand(flags: Record<string, string | boolean | undefined>): Promise<number> {
  const { config: configPath, ...settings } = flags;
  const path = typeof configPath === 'string' ? configPath : process.env.XLINK_CONFIG;
  let file: unknown = {};
  if (path !== undefined) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      console.error(
        `xlink gateway: GATEWAY_CONFIG_INVALID: cannot read the config file ${path}: ${(error as Error).message}`,
      );
      return 2;
    }
  }
  const config = resolveGatewayConfig({
    flags: settings,
    env: process.env,
    file,
    ...(path === undefined ? {} : { filePath: path }),
  });
  if (!config.ok) {
    console.error(`xlink gateway: ${config.error.code}: ${config.error.message}`);
    return 2;
  }
  const log = pino({ level: config.value.logLevel, base: { service: 'xlink-gateway' } }) as GatewayLog & pino.Logger;
  let running: Awaited<ReturnType<typeof runGateway>>;
  try {
    running = await runGateway(config.value, { log });
  } catch (error) {
    const code = isXlinkError(error) ? error.code : 'UNEXPECTED';
    log.fatal({ code, error: (error as Error).message.slice(0, 300) }, 'gateway could not start');
    console.error(`xlink gateway: ${code}: ${(error as Error).message}`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'signal: draining');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await running.stop();
  log.info({}, 'stopped');
  return 0;
}
