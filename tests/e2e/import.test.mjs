// "Import from venue…" in real headless Chromium against the release bundle: a venue's own
// response pasted (and picked as files) is recognised, its assumptions shown, and loaded; the
// results then show "venue says / leverlab / difference" with the likely cause; pasted text is
// neither sent nor put in the URL or storage; bad text gets the line-naming error; the JS API
// importVenue gives the same Scenario. Screenshots at desktop width and 360 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setup, ROOT } from './harness.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await ctx?.close(); });

const sample = (name) => fs.readFileSync(path.join(ROOT, 'examples', 'import', name), 'utf8');

async function openDialog(page) {
  await page.getByRole('button', { name: 'Import from venue…' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Import from venue' });
  await dialog.waitFor();
  return dialog;
}

test('pasted Gate responses are recognised, loaded and compared; the text stays in the page', async () => {
  const { page, errors, requests } = await ctx.open('/');
  const before = requests.length;
  const dialog = await openDialog(page);
  await dialog.locator('textarea').first().fill(sample('gate-positions.json'));
  await dialog.getByRole('button', { name: '+ Another response' }).click();
  await dialog.locator('textarea').nth(1).fill(sample('gate-accounts.json'));
  await dialog.getByRole('button', { name: 'Read' }).click();
  const result = dialog.locator('.vi-result');
  await result.waitFor();
  const text = await result.innerText();
  assert.match(text, /Recognised 1 position — gate cross margin/);
  assert.match(text, /gate GET \/futures\/\{settle\}\/positions — 1 open position/);
  assert.match(text, /gate GET \/futures\/\{settle\}\/accounts/);
  assert.match(text, /contract size of BTC_USDT assumed 0\.0001/, 'the assumption is shown');
  await ctx.screenshot(page, 'import-dialog-desktop', { fullPage: false });
  await dialog.getByRole('button', { name: 'Load into calculator' }).click();
  await dialog.waitFor({ state: 'detached' });
  const table = page.locator('section.venue-compare');
  await table.waitFor();
  const row = (await table.locator('tbody').innerText());
  // Gate's liq_price 99999999 is its "none": the venue says none, leverlab gives a price.
  assert.match(row, /BTC_USDT/);
  assert.match(row, /none/);
  assert.match(row, /the venue reported no liquidation price/);
  // Nothing was requested while importing but the page's own worker files (the importer runs in
  // the worker module, fetched from this origin on first need), and the pasted text is in
  // neither URL nor storage.
  const own = /^http:\/\/127\.0\.0\.1:\d+\/(worker-boot\.js|worker\.js|worker_bg\.wasm)$/;
  assert.deepEqual(requests.slice(before).filter((u) => !own.test(u)), [], 'no network request');
  await page.waitForFunction(() => {
    const h = location.hash;
    if (!h.startsWith('#s=1.')) return false;
    const b = h.slice(5).replace(/-/g, '+').replace(/_/g, '/');
    return atob(b + '='.repeat((4 - (b.length % 4)) % 4)).includes('BTC_USDT');
  });
  const { hash, stored } = await page.evaluate(() => ({ hash: location.hash, stored: JSON.stringify(localStorage) }));
  const decoded = Buffer.from(hash.slice(5), 'base64url').toString();
  assert.match(decoded, /"venue_liquidation_price"|BTC_USDT/, 'positions are in the link');
  // The accounts and contracts responses, the user id and the nested close order are in
  // neither the link nor storage (the positions' unmodelled scalars are, in their note).
  for (const raw of ['cross_initial_margin', 'funding_rate_indicative', '"user"', '232323']) {
    assert.ok(!decoded.includes(raw) && !stored.includes(raw), `${raw} from the pasted text leaked`);
  }
  assert.ok(!decoded.includes('"user"') && !decoded.includes('10000,'), 'the user id is dropped');
  assert.deepEqual(errors, []);
});

test('a compared position shows venue says / leverlab / difference and a cause; 360 px', async () => {
  const { page, errors } = await ctx.open('/', { width: 360, height: 780 });
  const dialog = await openDialog(page);
  await dialog.locator('textarea').first().fill(sample('okx-positions.json'));
  await dialog.getByRole('button', { name: 'Read' }).click();
  await dialog.locator('.vi-result').waitFor();
  assert.match(await dialog.locator('.vi-result').innerText(), /disagrees with upl/);
  await ctx.screenshot(page, 'import-dialog-mobile-360', { fullPage: false });
  await dialog.getByRole('button', { name: 'Load into calculator' }).click();
  const row = page.locator('section.venue-compare tbody tr').first();
  await row.waitFor();
  const cells = await row.locator('td').allInnerTexts();
  cells.push(await page.locator('section.venue-compare tbody tr.why-row').first().innerText());
  assert.equal(cells[0], '2,352.85', 'venue says');
  assert.match(cells[1], /^2,3\d\d\.\d\d$/, 'leverlab');
  assert.match(cells[2], /^[+-]\d+\.\d\d %$/, 'difference');
  assert.match(cells[3], /fee-to-close|stale or derived mark|maintenance rate/, 'a likely cause is named');
  await row.scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'import-compare-mobile-360', { fullPage: false });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no sideways scroll of the page at 360 px (${overflow})`);
  assert.deepEqual(errors, []);
});

test('doc text that is not JSON gets the line; the JS API imports the same', async () => {
  const { page, errors } = await ctx.open('/');
  const dialog = await openDialog(page);
  await dialog.locator('textarea').first().fill('[\n {\n  "symbol": "BTCUSDT",\n  "positionAmt": "1", // long\n  "entryPrice": "1"\n }\n]');
  await dialog.getByRole('button', { name: 'Read' }).click();
  const alert = dialog.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /line 4, column \d+: a comment/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  const out = await page.evaluate((texts) => window.wasmBindings.importVenue(texts), [sample('dydx-perpetualPositions.json'), sample('dydx-perpetualMarkets.json')]);
  assert.equal(out.scenario.venue, 'dydx');
  assert.equal(out.scenario.positions[0].mark_price, 118700.5426);
  assert.equal(out.scenario.positions[0].venue_liquidation_price, null);
  assert.equal(out.recognised.length, 2);
  const thrown = await page.evaluate(() => { try { window.wasmBindings.importVenue('{"hello": 1}', 'bybit'); return null; } catch (e) { return e; } });
  assert.equal(thrown[0].path, 'responses[0]');
  assert.match(thrown[0].message, /expected a bybit response/);
  assert.deepEqual(errors, []);
});
