// Prints the size of the release bundle (wasm + js + css in dist/), raw and gzipped.
//   node scripts/bundle-size.mjs [DIR]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const kinds = ['.wasm', '.js', '.css'];
const rows = fs
  .readdirSync(dir)
  .filter((f) => kinds.includes(path.extname(f)))
  .map((f) => {
    const body = fs.readFileSync(path.join(dir, f));
    return { f, raw: body.length, gz: zlib.gzipSync(body, { level: 9 }).length };
  });
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KiB';
console.log('leverlab release bundle (first load: wasm + js + css)');
for (const r of rows) console.log(`  ${r.f.padEnd(40)} raw ${kb(r.raw)}   gzip ${kb(r.gz)}`);
const raw = rows.reduce((a, r) => a + r.raw, 0);
const gz = rows.reduce((a, r) => a + r.gz, 0);
console.log(`  ${'total'.padEnd(40)} raw ${kb(raw)}   gzip ${kb(gz)}`);
