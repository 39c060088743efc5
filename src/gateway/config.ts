/**
 * The gateway's settings: one table (`SETTINGS`) names each one, its type,
 * its default and its bounds, and `resolveGatewayConfig` merges the four
 * sources in precedence order, flags > `XLINK_` environment > config file >
 * defaults, validating every value it takes.
 *
 *   const config = resolveGatewayConfig({ flags: { 'broker-url': 'mqtt://…' }, env: process.env, file: {} });
 *   if (!config.ok) fail(config.error); // GATEWAY_CONFIG_INVALID naming the setting and its source
 *
 * Names: `brokerUrl` in a file, `--broker-url` as a flag, `XLINK_BROKER_URL`
 * in the environment. Secrets are taken only as file paths (`passwordFile`,
 * `identityFile`): an inline `XLINK_PASSWORD` or `--password` is refused, so
 * no secret sits in a process listing, a shell history or a unit file.
 */
import { ok, quote, type Result, refuse } from '../errors.js';

export type SettingType = 'string' | 'integer' | 'boolean';

export interface Setting {
  readonly type: SettingType;
  readonly default?: string | number | boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly describe: string;
}

const APP = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const URL_LIKE = /^(mqtts?|wss?|redis|rediss|https?):\/\/\S+$/;

/** Every setting; the keys are the config file's names. */
export type SettingName =
  | 'brokerUrl'
  | 'embeddedPort'
  | 'protocolVersion'
  | 'clientId'
  | 'usernameFile'
  | 'passwordFile'
  | 'app'
  | 'audience'
  | 'topic'
  | 'shareGroup'
  | 'dataDir'
  | 'registry'
  | 'registryOperator'
  | 'identityFile'
  | 'redisUrl'
  | 'redisCluster'
  | 'workers'
  | 'inflight'
  | 'timestampWindowMs'
  | 'maxEnvelopeBytes'
  | 'duplicateWindowMs'
  | 'republish'
  | 'jsonl'
  | 'redisStream'
  | 'webhookUrl'
  | 'webhookRetries'
  | 'dlq'
  | 'httpHost'
  | 'httpPort'
  | 'logLevel'
  | 'drainTimeoutMs'
  | 'registryPollMs';

export const SETTINGS: Readonly<Record<SettingName, Setting>> = {
  brokerUrl: {
    type: 'string',
    pattern: URL_LIKE,
    describe: 'MQTT broker (mqtt://host:1883); absent: an embedded aedes broker on 127.0.0.1',
  },
  embeddedPort: {
    type: 'integer',
    default: 1883,
    min: 0,
    max: 65535,
    describe: 'port of the embedded broker (0: any free port)',
  },
  protocolVersion: {
    type: 'integer',
    default: 5,
    min: 4,
    max: 5,
    describe: 'MQTT 4 (3.1.1) or 5; the embedded broker speaks 4',
  },
  clientId: {
    type: 'string',
    pattern: /^[A-Za-z0-9._-]{1,64}$/,
    describe: 'MQTT client id (stable: it names the persistent session); default xlink-gateway-<host>',
  },
  usernameFile: { type: 'string', describe: 'file holding the MQTT user name' },
  passwordFile: { type: 'string', describe: 'file holding the MQTT password' },
  app: { type: 'string', default: 'xlink', pattern: APP, describe: 'the application: fills {app} in topics' },
  audience: {
    type: 'string',
    pattern: /^[A-Za-z0-9._:/-]{1,64}$/,
    describe: 'audience telemetry is signed for; default the app',
  },
  topic: { type: 'string', default: 'dt/{app}/{deviceId}/{kind}', describe: 'telemetry topic template' },
  shareGroup: {
    type: 'string',
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    describe: 'subscribe as $share/<group>/… so gateways split the load',
  },
  dataDir: { type: 'string', default: '.xlink-gateway', describe: 'replay log, forward ledger, MQTT store, identity' },
  registry: { type: 'string', describe: 'FileTrustRegistry log; default <dataDir>/registry.log' },
  registryOperator: {
    type: 'string',
    pattern: /^did:key:z[1-9A-HJ-NP-Za-km-z]{1,64}$/,
    describe: "the registry operator's did:key: entries it did not sign are refused (docs/provisioning.md)",
  },
  identityFile: {
    type: 'string',
    describe: "the gateway's 32-byte seed (created on first start); default <dataDir>/gateway.seed",
  },
  redisUrl: {
    type: 'string',
    pattern: URL_LIKE,
    describe: 'shared replay state and ledger in Redis (several gateways)',
  },
  redisCluster: { type: 'boolean', default: false, describe: 'redisUrl names Redis Cluster nodes (comma-separated)' },
  workers: { type: 'integer', min: 1, max: 256, describe: 'verification threads; default every core' },
  inflight: { type: 'integer', default: 256, min: 1, max: 65535, describe: 'deliveries handled at once' },
  timestampWindowMs: {
    type: 'integer',
    default: 30_000,
    min: 1000,
    max: 86_400_000,
    describe: 'clock difference accepted both ways',
  },
  maxEnvelopeBytes: {
    type: 'integer',
    default: 65_536,
    min: 128,
    max: 268_435_455,
    describe: 'larger payloads are dead-lettered',
  },
  duplicateWindowMs: {
    type: 'integer',
    default: 600_000,
    min: 1000,
    max: 604_800_000,
    describe: 'how long a forwarded message is known as a duplicate',
  },
  republish: {
    type: 'string',
    default: 'verified/{app}/{deviceId}/{kind}',
    describe: "verified messages' topic (QoS 1); empty: off",
  },
  jsonl: { type: 'string', describe: 'append verified messages to this JSONL file' },
  redisStream: { type: 'string', describe: 'XADD verified messages to this Redis Stream (needs redisUrl)' },
  webhookUrl: { type: 'string', pattern: /^https?:\/\/\S+$/, describe: 'POST verified messages here' },
  webhookRetries: { type: 'integer', default: 5, min: 0, max: 100, describe: 'webhook attempts after the first' },
  dlq: { type: 'string', default: 'dlq/{app}/{reason}/{deviceId}', describe: 'dead-letter topic; empty: off' },
  httpHost: { type: 'string', default: '127.0.0.1', describe: 'address of /metrics, /livez, /readyz' },
  httpPort: {
    type: 'integer',
    default: 9464,
    min: 0,
    max: 65535,
    describe: 'port of /metrics, /livez, /readyz (0: any)',
  },
  logLevel: {
    type: 'string',
    default: 'info',
    pattern: /^(fatal|error|warn|info|debug|trace|silent)$/,
    describe: 'pino level',
  },
  drainTimeoutMs: {
    type: 'integer',
    default: 10_000,
    min: 0,
    max: 600_000,
    describe: 'SIGTERM: longest wait for in-flight work',
  },
  registryPollMs: {
    type: 'integer',
    default: 250,
    min: 10,
    max: 1000,
    describe: 'registry re-read interval besides fs.watch (revocations within 1 s)',
  },
};

export type GatewayConfig = {
  readonly [K in SettingName]: K extends DefaultedString
    ? string
    : K extends DefaultedNumber
      ? number
      : K extends 'redisCluster'
        ? boolean
        : K extends OptionalNumber
          ? number | undefined
          : string | undefined;
};

type DefaultedString = 'app' | 'topic' | 'dataDir' | 'republish' | 'dlq' | 'httpHost' | 'logLevel';
type DefaultedNumber =
  | 'embeddedPort'
  | 'protocolVersion'
  | 'inflight'
  | 'timestampWindowMs'
  | 'maxEnvelopeBytes'
  | 'duplicateWindowMs'
  | 'webhookRetries'
  | 'httpPort'
  | 'drainTimeoutMs'
  | 'registryPollMs';
type OptionalNumber = 'workers';

export interface ConfigSources {
  /** Parsed flags, kebab-case names (`broker-url`), values as given on the command line. */
  readonly flags?: Readonly<Record<string, string | boolean | undefined>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The parsed config file (JSON), camelCase names. */
  readonly file?: unknown;
  /** Where the file came from, for messages. */
  readonly filePath?: string;
}

/** Inline secrets that are refused, with the file setting to use instead. */
const INLINE_SECRETS: Readonly<Record<string, SettingName>> = {
  password: 'passwordFile',
  username: 'usernameFile',
  identity: 'identityFile',
  seed: 'identityFile',
};

export function flagName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function envName(name: string): string {
  return `XLINK_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function invalid(message: string, field: string): Result<never> {
  return refuse('GATEWAY_CONFIG_INVALID', message, field);
}

/** Merges and validates; never throws. */
export function resolveGatewayConfig(sources: ConfigSources): Result<GatewayConfig> {
  const flags = sources.flags ?? {};
  const env = sources.env ?? {};
  const file = sources.file ?? {};
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    return invalid(`the config file ${sources.filePath ?? ''} must hold a JSON object, got ${quote(file)}`, 'config');
  }
  const fileValues = file as Record<string, unknown>;
  for (const [inline, instead] of Object.entries(INLINE_SECRETS)) {
    const places = [
      [flags[inline], `flag --${inline}`],
      [env[envName(inline)], `${envName(inline)}`],
      [fileValues[inline], `file key "${inline}"`],
    ] as const;
    for (const [value, where] of places) {
      if (value !== undefined) {
        return invalid(
          `${where}: secrets are taken only as file paths; use ${flagName(instead)} / ${envName(instead)} / "${instead}"`,
          inline,
        );
      }
    }
  }
  for (const key of Object.keys(fileValues)) {
    if (!Object.hasOwn(SETTINGS, key)) return invalid(`unknown key ${quote(key)} in the config file`, key);
  }
  for (const key of Object.keys(flags)) {
    if (flags[key] !== undefined && !Object.hasOwn(SETTINGS, camel(key))) {
      return invalid(`unknown flag --${quote(key, 40).slice(1, -1)}`, key);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    const candidates: [unknown, string][] = [
      [flags[flagName(name)], `flag --${flagName(name)}`],
      [env[envName(name)], envName(name)],
      [fileValues[name], `config file key "${name}"`],
    ];
    const found = candidates.find(([value]) => value !== undefined);
    if (found === undefined) {
      out[name] = setting.default;
      continue;
    }
    const parsed = parseSetting(name, setting, found[0], found[1]);
    if (!parsed.ok) return parsed;
    out[name] = parsed.value;
  }
  const config = out as GatewayConfig;
  if (config.redisStream !== undefined && config.redisUrl === undefined) {
    return invalid('redisStream needs redisUrl (XLINK_REDIS_URL)', 'redisStream');
  }
  if (
    config.brokerUrl === undefined &&
    config.protocolVersion === 5 &&
    sources.flags?.['protocol-version'] === undefined
  ) {
    // The embedded aedes broker speaks MQTT 3.1.1 only.
    return ok({ ...config, protocolVersion: 4 });
  }
  return ok(config);
}

function camel(kebab: string): string {
  return kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parseSetting(name: string, setting: Setting, raw: unknown, where: string): Result<string | number | boolean> {
  if (setting.type === 'boolean') {
    if (typeof raw === 'boolean') return ok(raw);
    if (raw === 'true' || raw === '1') return ok(true);
    if (raw === 'false' || raw === '0') return ok(false);
    return invalid(`${where}: ${name} expected true or false, got ${quote(raw)}`, name);
  }
  if (setting.type === 'integer') {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value)) return invalid(`${where}: ${name} expected an integer, got ${quote(raw)}`, name);
    if ((setting.min !== undefined && value < setting.min) || (setting.max !== undefined && value > setting.max)) {
      return invalid(`${where}: ${name} must be from ${setting.min} to ${setting.max}, got ${value}`, name);
    }
    return ok(value);
  }
  if (typeof raw !== 'string') return invalid(`${where}: ${name} expected text, got ${quote(raw)}`, name);
  if (setting.pattern !== undefined && !setting.pattern.test(raw)) {
    return invalid(`${where}: ${name} is not valid: ${quote(raw)}`, name);
  }
  return ok(raw);
}
