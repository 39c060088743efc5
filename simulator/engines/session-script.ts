/**
 * The program a device session runs inside its engine, after the target
 * bundle: the firmware's main loop, minus the radio. It keeps one
 * `xlink.createNobleDevice` alive with a flash-like storage (an object of hex
 * values that lives as long as the engine), a clock set per reading, and a
 * random source that hands out the bytes the host drew for this call.
 *
 *   xlinkSession('{"op":"boot","ed25519Seed":"…","kid":"…","audience":"acme","persistEvery":256,"random":"…"}')
 *   xlinkSession('{"op":"telemetry","payload":"…","scope":"telemetry","timestamp":…,"random":"…"}')
 *   xlinkSession('{"op":"reset","random":"…"}') // factory reset: flash wiped, the device boots again
 *
 * Every answer is JSON: the op's result and `drawn` (random bytes used), or
 * `{ error: { code, name, message, field } }` for anything thrown, so the
 * host can rebuild the bundle's XlinkError with its code. `random: null`
 * stands for a host random source that failed: the bundle's random source
 * then throws, as a board's dead RNG would. Engines: XS and QuickJS (ES2021).
 */
export const SESSION_SCRIPT = `
var xlinkSession = (function () {
  function hex(bytes) { var s = ''; for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16); return s; }
  function unhex(text) { var out = new Uint8Array(text.length / 2); for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16); return out; }
  var flash = {};
  var storage = {
    get: function (key) { return Object.prototype.hasOwnProperty.call(flash, key) ? unhex(flash[key]) : undefined; },
    set: function (key, value) { flash[key] = hex(value); },
    'delete': function (key) { delete flash[key]; }
  };
  var pool = null;
  var drawn = 0;
  function random(length) {
    if (pool === null) throw new Error('the host random source failed');
    if (drawn + length > pool.length) throw new Error('the random bytes drawn for this call ran out');
    var out = pool.slice(drawn, drawn + length);
    drawn += length;
    return out;
  }
  var now = 0;
  var clock = { now: function () { return now; } };
  var boot;
  var device;
  var counter;
  function start() {
    device = xlink.createNobleDevice({
      key: { ed25519Seed: unhex(boot.ed25519Seed), kid: unhex(boot.kid) },
      random: random, audience: boot.audience, storage: storage, clock: clock, persistEvery: boot.persistEvery,
      publish: function (bytes, reading) { counter = reading.counter; }
    });
    return { did: device.did, kid: hex(device.kid) };
  }
  return function (text) {
    var request = JSON.parse(text);
    pool = request.random === null ? null : unhex(request.random);
    drawn = 0;
    try {
      var answer;
      if (request.op === 'boot') { boot = request; answer = start(); }
      else if (request.op === 'telemetry') {
        now = request.timestamp;
        var bytes = device.telemetry(unhex(request.payload), { scope: request.scope });
        answer = { bytes: hex(bytes), counter: counter };
      } else if (request.op === 'reset') { flash = {}; answer = start(); }
      else throw new Error('unknown op ' + String(request.op).slice(0, 32));
      answer.drawn = drawn;
      return JSON.stringify(answer);
    } catch (e) {
      var error = { name: String(e && e.name), message: String(e && e.message !== undefined ? e.message : e) };
      if (e && typeof e.code === 'string') error.code = e.code;
      if (e && typeof e.field === 'string') error.field = e.field;
      return JSON.stringify({ error: error });
    }
  };
})();
`;
