// The Moddable application: a sensor that reads, seals and publishes once a
// minute. Build and flash with `mcconfig -d -m -p esp32 targets/moddable/manifest.json`
// after `npm run build` (docs/devices.md). Provisioning has written the
// device's Ed25519 seed and kid into the "xlink" preference domain.
import config from 'mc/config';
import Client from 'mqtt';
import Preference from 'preference';
import RNG from 'rng';
import Timer from 'timer';
import {
  classicMqttPublish,
  createNobleDevice,
  DEVICE_STORAGE_DOMAIN,
  moddableRandomSource,
  preferenceStorage,
} from 'xlink-device';

const domain = DEVICE_STORAGE_DOMAIN;
const provisioned = (name) => {
  const value = Preference.get(domain, name);
  if (!(value instanceof ArrayBuffer)) throw new Error(`not provisioned: preference ${domain}/${name} is missing`);
  return new Uint8Array(value);
};

const client = new Client({ host: config.mqttHost ?? 'gateway.local', id: config.deviceId ?? 'xlink-sensor' });
const device = createNobleDevice({
  key: { ed25519Seed: provisioned('ed25519'), kid: provisioned('kid') },
  random: moddableRandomSource(RNG),
  audience: config.audience ?? 'acme-fleet',
  storage: preferenceStorage(Preference, domain),
  publish: classicMqttPublish(client, (reading) => `xlink/${reading.scope}`),
});
trace(`xlink device ${device.did}\n`);

client.onReady = () => {
  Timer.repeat(() => {
    // A reading of your sensor goes here; a counter-only payload keeps the example self-contained.
    const reading = Uint8Array.of(0x01);
    try {
      device.telemetry(reading);
    } catch (error) {
      trace(`reading not sent: ${error.code ?? error.message}\n`);
    }
  }, 60_000);
};
