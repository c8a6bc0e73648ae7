// Drives Mozilla's openbadges-bakery (OB 2.0 baking) for tests/core/test_baking.py.
//
//   node bakery.js bake IMAGE DATAFILE OUT signature|assertion|url [HOSTED_URL]
//   node bakery.js extract IMAGE
//
// Prints one JSON line: {"ok": true, "data": ...} or {"ok": false, "error": ...};
// exits 0 or 1. Never fetches anything (only bake and extract are called).
'use strict';
const fs = require('fs');
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
