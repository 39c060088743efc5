#!/usr/bin/env node
/**
 * The `xlink` command: `--version`, `--help`, `gateway`, `demo`, and the
 * commands whose code lives outside src/ (external-commands.ts): `provision`
 * and `registry` (the factory tool, provisioning/) and `simulate` (the fleet
 * simulator, simulator/; `npm start` runs it).
 *
 *   xlink demo --backend noble
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SETTINGS } from '../gateway/config.js';
import { isDemoBackend, runDemo } from './demo.js';
import { isExternalCommand, runExternalCommand } from './external-commands.js';
import { gatewayCommand, gatewayHelp } from './gateway-command.js';

const HELP = `xlink — cryptographic identity between machines, no API keys.

Usage:
  xlink gateway [settings]                      the verification daemon (MQTT in, verified messages out); --help lists settings
  xlink demo [--backend node|webcrypto|noble]   a sensor sends an encrypted reading to a gateway; attacks are refused
  xlink provision …                             factory provisioning: seeds, burn artifacts, manifest (provision --help)
  xlink registry …                              the trust registry: import, add, revoke, list, show, export (docs/provisioning.md)
  xlink simulate …                              a device fleet against a gateway, faults injected, outcomes counted (simulate --help)
  xlink --version                               print the version
  xlink --help                                  print this help

Docs: README.md, docs/architecture.md, docs/errors.md`;

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

async function main(argv: string[]): Promise<number> {
  // Their options are their own: dispatch before parsing ours.
  if (isExternalCommand(argv[0])) return runExternalCommand(argv[0], argv.slice(1));
  if (argv[0] === 'gateway') {
    const options: Record<string, { type: 'string' | 'boolean' }> = {
      config: { type: 'string' },
      help: { type: 'boolean' },
    };
    for (const name of Object.keys(SETTINGS))
      options[name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = { type: 'string' };
    const { values } = parseArgs({ args: argv.slice(1), options, strict: true });
    if (values.help) {
      console.log(gatewayHelp());
      return 0;
    }
    return gatewayCommand(values);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
      backend: { type: 'string', default: 'node' },
    },
  });
  if (values.version) {
    console.log(packageVersion());
    return 0;
  }
  const [command] = positionals;
  if (values.help || command === undefined) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (command === 'demo') {
    if (!isDemoBackend(values.backend)) {
      console.error(`xlink: unknown backend "${values.backend}" (node, webcrypto or noble)`);
      return 2;
    }
    return runDemo(values.backend, (line) => console.log(line));
  }
  console.error(`xlink: unknown command "${command}"\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
