// Prints the size of the release bundle in dist/, raw and gzipped. The total counts what the
// page loads first (the wasm, js and css that dist/index.html references); the other files
// (the embed example, the unhashed stylesheet copy for mount()) are listed apart.
//   node scripts/bundle-size.mjs [DIR]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const kinds = ['.wasm', '.js', '.css'];
const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
const referenced = new Set([...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => path.basename(m[1])));
const rows = fs
  .readdirSync(dir)
  .filter((f) => kinds.includes(path.extname(f)))
  .map((f) => {
    const body = fs.readFileSync(path.join(dir, f));
    return { f, raw: body.length, gz: zlib.gzipSync(body, { level: 9 }).length, first: referenced.has(f) };
  });
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KiB';
const line = (name, raw, gz) => console.log(`  ${name.padEnd(40)} raw ${kb(raw)}   gzip ${kb(gz)}`);
console.log('leverlab release bundle: first load (files dist/index.html references)');
const first = rows.filter((r) => r.first);
for (const r of first) line(r.f, r.raw, r.gz);
line('first load total', first.reduce((a, r) => a + r.raw, 0), first.reduce((a, r) => a + r.gz, 0));
const rest = rows.filter((r) => !r.first);
if (rest.length) {
  console.log('  not loaded by the page itself:');
  for (const r of rest) line(r.f, r.raw, r.gz);
}
