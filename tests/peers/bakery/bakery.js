// Drives Mozilla's openbadges-bakery (OB 2.0 baking) for tests/core/test_baking.py.
//
//   node bakery.js bake IMAGE DATAFILE OUT signature|assertion|url [HOSTED_URL]
//   node bakery.js extract IMAGE
//
// Prints one JSON line: {"ok": true, "data": ...} or {"ok": false, "error": ...};
// exits 0 or 1. Never fetches anything (only bake and extract are called).
'use strict';
const fs = require('fs');

// openbadges-bakery 1.0.5 (its last release) writes PNG chunks with bitwriter 0.0.5, an
// object that inherits from Buffer without being a Uint8Array. Since Node 4 a Buffer's
// `length` is a getter of typed arrays only, and Buffer#copy and Buffer.concat take only
// real Uint8Arrays, so on Node 20 baking a PNG threw "Method get TypedArray.prototype.length
// called on incompatible receiver". Three shims make bitwriter use the real Buffer it
// holds (`_buffer`, where all its integer writes already go); the bytes it writes are
// unchanged. Reading (extract) never used bitwriter.
const BitWriter = require('bitwriter');

const bytesOf = (buf) => (buf instanceof BitWriter ? buf._buffer : buf);
// an own, writable `length` (setupBuffer assigns the buffer's length to it)
Object.defineProperty(BitWriter.prototype, 'length', { value: 0, writable: true, configurable: true });
BitWriter.prototype._copyBuffer = function copyBuffer(buf) {
  bytesOf(buf).copy(this._buffer, this.position());
  this.move(buf.length);
  return this;
};
const concat = Buffer.concat;
Buffer.concat = (list, length) => concat.call(Buffer, list.map(bytesOf), length);

const bakery = require('openbadges-bakery');

function done(ok, value) {
  process.stdout.write(JSON.stringify(ok ? { ok: true, data: value } : { ok: false, error: String(value) }) + '\n');
  process.exitCode = ok ? 0 : 1;
}

process.on('uncaughtException', (err) => done(false, err && err.message));

const [command, image, ...rest] = process.argv.slice(2);
try {
  const bytes = fs.readFileSync(image);
  if (command === 'extract') {
    bakery.extract(bytes, (err, data) => (err ? done(false, err.message) : done(true, String(data))));
  } else if (command === 'bake') {
    const [dataFile, out, mode, hostedUrl] = rest;
    const text = fs.readFileSync(dataFile, 'utf8').trim();
    const options = { image: bytes };
    if (mode === 'assertion') {
      options.assertion = JSON.parse(text);
      if (hostedUrl) options.url = hostedUrl;
    } else if (mode === 'signature') {
      options.signature = text;
    } else {
      options.url = text;
    }
    bakery.bake(options, (err, baked) => {
      if (err) return done(false, err.message);
      fs.writeFileSync(out, baked);
      return done(true, out);
    });
  } else {
    done(false, 'usage: bakery.js bake IMAGE DATAFILE OUT MODE [URL] | extract IMAGE');
  }
} catch (err) {
  done(false, err && err.stack ? err.stack.split('\n').slice(0, 2).join(' ') : err);
}
