// The targets' glue to their platforms' modules, against models of the
// documented APIs: Moddable's Preference (ArrayBuffers in, ArrayBuffers out),
// its classic MQTT Client (an ArrayBuffer payload, all of it sent) and
// ECMA-419 client (QoS 1 writes with a message id), its rng; Espruino's
// Storage and base64 for its text-only MQTT.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEVICE_STORAGE_DOMAIN } from 'xlink/device';
import { encodeArtifact } from '../../provisioning/artifacts.js';
import { base64, base64Publish, espruinoStorage } from '../../targets/espruino/glue.js';
import { classicMqttPublish, ecma419MqttPublish } from '../../targets/moddable/mqtt-publish.js';
import { preferenceStorage } from '../../targets/moddable/preference-storage.js';
import { moddableRandomSource } from '../../targets/moddable/rng.js';

describe('Moddable glue', () => {
  it('preferenceStorage keeps exact bytes as ArrayBuffers in its domain, and reads a foreign value as unparseable', () => {
    const saved = new Map<string, unknown>();
    const Preference = {
      get: (domain: string, key: string) => saved.get(`${domain}/${key}`) as ArrayBuffer | undefined,
      set: (domain: string, key: string, value: ArrayBuffer) => {
        assert.ok(value instanceof ArrayBuffer);
        saved.set(`${domain}/${key}`, value);
      },
      delete: (domain: string, key: string) => {
        saved.delete(`${domain}/${key}`);
      },
    };
    const storage = preferenceStorage(Preference, 'xlink');
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    storage.set('ctr', backing.subarray(2, 5));
    assert.deepEqual([...new Uint8Array(saved.get('xlink/ctr') as ArrayBuffer)], [1, 2, 3]);
    assert.deepEqual([...(storage.get('ctr') as Uint8Array)], [1, 2, 3]);
    saved.set('xlink/other', 'text');
    assert.deepEqual([...(storage.get('other') as Uint8Array)], []);
    storage.delete('ctr');
    assert.equal(storage.get('ctr'), undefined);
  });

  it('the MQTT publishers send exactly the envelope bytes, not a larger buffer behind a view', () => {
    const sent: { topic: string; bytes: number[]; options?: unknown }[] = [];
    const view = new Uint8Array([0, 0xaa, 0xbb, 0]).subarray(1, 3);
    classicMqttPublish(
      { publish: (topic, data) => sent.push({ topic, bytes: [...new Uint8Array(data)] }) },
      (r) => `xlink/${r.scope}`,
    )(view, { scope: 'telemetry', counter: 7 });
    ecma419MqttPublish(
      { write: (data, options) => sent.push({ topic: options.topic, bytes: [...new Uint8Array(data)], options }) },
      'fixed',
    )(view, { scope: 'telemetry', counter: 65535 });
    assert.deepEqual(sent, [
      { topic: 'xlink/telemetry', bytes: [0xaa, 0xbb] },
      { topic: 'fixed', bytes: [0xaa, 0xbb], options: { topic: 'fixed', QoS: 1, id: 1 } },
    ]);
  });

  it('moddableRandomSource hands out what RNG.get returns', () => {
    const random = moddableRandomSource({ get: (n) => new Uint8Array(n).fill(5).buffer });
    assert.deepEqual([...random(3)], [5, 5, 5]);
  });
});

describe('Espruino glue', () => {
  it('espruinoStorage names files xlink.<key>, erases before writing, and reports a failed write', () => {
    const files = new Map<string, Uint8Array>();
    const calls: string[] = [];
    let full = false;
    const Storage = {
      readArrayBuffer: (name: string) => files.get(name)?.slice().buffer,
      write: (name: string, data: Uint8Array) => {
        calls.push(`write ${name}`);
        if (full) return false;
        files.set(name, new Uint8Array(data));
        return true;
      },
      erase: (name: string) => {
        calls.push(`erase ${name}`);
        files.delete(name);
      },
    };
    const storage = espruinoStorage(Storage);
    storage.set('ctr', new Uint8Array([0x31, 0x30]));
    assert.deepEqual(calls, ['erase xlink.ctr', 'write xlink.ctr']);
    assert.deepEqual([...(storage.get('ctr') as Uint8Array)], [0x31, 0x30]);
    full = true;
    assert.throws(() => storage.set('ctr', new Uint8Array([1])), /flash full/);
  });

  it('base64 is RFC 4648 with padding, and base64Publish sends it as text', () => {
    for (const text of ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar']) {
      assert.equal(base64(new TextEncoder().encode(text)), Buffer.from(text).toString('base64'));
    }
    const bytes = new Uint8Array(256).map((_, i) => i);
    assert.equal(base64(bytes), Buffer.from(bytes).toString('base64'));
    const sent: string[] = [];
    base64Publish({ publish: (topic, message) => sent.push(`${topic} ${message}`) }, 't')(
      new Uint8Array([0xfb, 0xff]),
      {
        scope: 'telemetry',
        counter: 0,
      },
    );
    assert.deepEqual(sent, ['t +/8=']);
  });
});

describe('Provisioned artifacts, read back by the glue the firmware uses', () => {
  const secrets = {
    seed: new Uint8Array(32).map((_, i) => i),
    ed25519Seed: new Uint8Array(32).map((_, i) => 255 - i),
    kid: new Uint8Array([1, 2, 3, 4, 5, 6]),
  };

  it('an Espruino artifact, run against Storage, is what espruinoStorage reads', () => {
    const files = new Map<string, Uint8Array>();
    const Storage = {
      readArrayBuffer: (name: string) => files.get(name)?.slice().buffer,
      write: (name: string, data: Uint8Array | ArrayBuffer) => {
        files.set(name, new Uint8Array(data));
        return true;
      },
      erase: (name: string) => {
        files.delete(name);
      },
    };
    const script = new TextDecoder().decode(encodeArtifact('espruino', secrets, 'S-1'));
    new Function('require', script)((module: string) => {
      assert.equal(module, 'Storage');
      return Storage;
    });
    const storage = espruinoStorage(Storage);
    assert.deepEqual(storage.get('ed25519'), secrets.ed25519Seed);
    assert.deepEqual(storage.get('kid'), secrets.kid);
    assert.deepEqual(storage.get('seed'), secrets.seed);
  });

  it('a Moddable artifact, set as its preferences, is what preferenceStorage reads in its domain', () => {
    const saved = new Map<string, ArrayBuffer>();
    const Preference = {
      get: (domain: string, key: string) => saved.get(`${domain}/${key}`),
      set: (domain: string, key: string, value: ArrayBuffer) => {
        saved.set(`${domain}/${key}`, value);
      },
      delete: (domain: string, key: string) => {
        saved.delete(`${domain}/${key}`);
      },
    };
    const artifact = JSON.parse(new TextDecoder().decode(encodeArtifact('moddable', secrets, 'S-1'))) as {
      domain: string;
      preferences: Record<string, string>;
    };
    for (const [key, hex] of Object.entries(artifact.preferences)) {
      Preference.set(artifact.domain, key, new Uint8Array(Buffer.from(hex, 'hex')).buffer);
    }
    const storage = preferenceStorage(Preference, DEVICE_STORAGE_DOMAIN);
    assert.deepEqual(storage.get('ed25519'), secrets.ed25519Seed);
    assert.deepEqual(storage.get('kid'), secrets.kid);
  });
});
