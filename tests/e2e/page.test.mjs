// The calculator page in real headless Chromium against the release bundle (dist/).
// Expected numbers are computed here from the liquidation formula, never read from the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await ctx?.close(); });

/** `#s=1.<base64url(JSON)>`: the page's link format. */
export function link(scenario) {
  return '/#s=1.' + Buffer.from(JSON.stringify(scenario)).toString('base64url');
}

// One BTC long with a flat 0.5 % maintenance rate (no tiers, no fee on Binance USD-M).
const BASE = {
  venue: 'binance-usdm',
  margin_mode: 'isolated',
  positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.5, entry_price: 60000, leverage: 10, mmr: 0.005 }],
};

/** Isolated linear liquidation price, maintenance valued at the price:
 *  C + s·Q·(P − EP) = Q·P·m  ⇒  P = (C − s·Q·EP) / (Q·m − s·Q), with C = Q·EP / leverage. */
function isolatedLinear({ side, size: Q, entry: EP, leverage, mmr: m }) {
  const s = side === 'long' ? 1 : -1;
  const C = (Q * EP) / leverage;
  return (C - s * Q * EP) / (Q * m - s * Q);
}

const num = (t) => Number(String(t).replace(/[^0-9.\-]/g, ''));
const liqText = (page, i = 0) => page.locator(`.positions-table tbody tr[data-index="${i}"] td.liq .v`).innerText();
const field = (page, path) => page.locator(`[data-path="${path}"]`);

/** Waits until the page has re-rendered after an input (the root's revision changes). */
async function edit(page, path, text) {
  const before = await page.locator('.leverlab').getAttribute('data-revision');
  await field(page, path).fill(text);
  await page.waitForFunction((b) => document.querySelector('.leverlab').dataset.revision !== b, before);
}

/** Counts canvas pixels that differ from the top-left (background) pixel. */
async function drawnPixels(page) {
  return page.evaluate(() => {
    const c = document.querySelector('canvas.chart-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) n++;
    return { n, w: c.width, h: c.height, cssW: c.clientWidth };
  });
}

test('page loads without console errors, draws the chart and asks nothing of the network', async () => {
  const { page, errors, requests } = await ctx.open(link(BASE));
  await page.waitForSelector('canvas.chart-canvas[data-draws]');
  assert.deepEqual(errors, [], 'no console errors or exceptions');
  const px = await drawnPixels(page);
  assert.ok(px.n > 2000, `the chart has drawn pixels (${px.n})`);
  // No request may leave the page's own origin, and none may happen after load.
  const n = requests.length;
  await edit(page, 'positions[0].leverage', '12');
  await page.waitForTimeout(300);
  assert.equal(requests.length, n, 'editing makes no request');
  for (const r of requests) assert.ok(r.startsWith(ctx.url) || r.startsWith('data:') || r.startsWith('blob:'), `request stays local: ${r}`);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script');
});

test('HiDPI: the backing store is CSS size × devicePixelRatio', async () => {
  const { page, errors } = await ctx.open(link(BASE), { dpr: 2 });
  await page.waitForSelector('canvas.chart-canvas[data-draws]');
  const px = await drawnPixels(page);
  assert.equal(px.w, px.cssW * 2, 'canvas width = 2 × CSS width');
  assert.deepEqual(errors, []);
});

test('typing a new leverage gives the liquidation price of the formula', async () => {
  const { page } = await ctx.open(link(BASE));
  const at10 = num(await liqText(page));
  assert.ok(Math.abs(at10 - isolatedLinear({ side: 'long', size: 0.5, entry: 60000, leverage: 10, mmr: 0.005 })) < 0.01);
  for (const [typed, lev] of [['20x', 20], ['25', 25], ['7.5', 7.5]]) {
    await edit(page, 'positions[0].leverage', typed);
    const want = isolatedLinear({ side: 'long', size: 0.5, entry: 60000, leverage: lev, mmr: 0.005 });
    const got = num(await liqText(page));
    assert.ok(Math.abs(got - want) < 0.01, `leverage ${typed}: page ${got}, formula ${want.toFixed(2)}`);
  }
  // Short side: P = (C + Q·EP) / (Q·m + Q).
  await page.getByRole('button', { name: 'Short', exact: true }).click();
  await page.waitForTimeout(100);
  const want = isolatedLinear({ side: 'short', size: 0.5, entry: 60000, leverage: 7.5, mmr: 0.005 });
  assert.ok(Math.abs(num(await liqText(page)) - want) < 0.01, 'short liquidation price');
  // "60,000" and "$60,000" are read as 60000.
  await edit(page, 'positions[0].entry_price', '$60,000');
  assert.ok(Math.abs(num(await liqText(page)) - want) < 0.01, 'thousands separators accepted');
});

test('bad input: a message next to the field, the text kept, the last good result kept', async () => {
  const { page, errors } = await ctx.open(link(BASE));
  const good = await liqText(page);
  const cases = [
    ['positions[0].leverage', 'abc', /`abc` is not a number/],
    ['positions[0].leverage', '0', /from 1 to 1000/],
    ['positions[0].entry_price', '', /required/],
    ['positions[0].entry_price', '-5', /negative/],
    ['positions[0].size', '0', /more than 0/],
    ['positions[0].entry_price', '0,5', /dot for decimals/],
  ];
  for (const [path, text, message] of cases) {
    await edit(page, path, text);
    const input = field(page, path);
    assert.equal(await input.inputValue(), text, 'the typed text stays');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    const msgId = await input.getAttribute('aria-describedby');
    const msg = await page.locator(`#${msgId}`).innerText();
    assert.match(msg, message, `${path} = "${text}" explains itself: ${msg}`);
    assert.equal(await liqText(page), good, 'the last good result stays on screen');
    assert.ok(await page.locator('.stale-note').isVisible(), 'marked as not updated');
    // Put it back.
    await edit(page, path, { 'positions[0].leverage': '10', 'positions[0].entry_price': '60000', 'positions[0].size': '0.5' }[path]);
  }
  assert.equal(await liqText(page), good);
  // Two bad fields at once: each explains itself (the engine still checks the one that parses).
  await edit(page, 'positions[0].entry_price', '60,000.5.3');
  await edit(page, 'positions[0].leverage', '0');
  for (const [path, message] of [['positions[0].entry_price', /not a number/], ['positions[0].leverage', /from 1 to 1000/]]) {
    const id = await field(page, path).getAttribute('aria-describedby');
    assert.match(await page.locator(`#${id}`).innerText(), message);
  }
  assert.deepEqual(errors, []);
});

test('cross margin: a second position moves the first one\'s liquidation price', async () => {
  const { page } = await ctx.open(link(BASE));
  await page.getByRole('button', { name: 'Cross', exact: true }).click();
  await edit(page, 'wallet_balance', '10,000');
  const alone = num(await liqText(page, 0));
  await page.getByRole('button', { name: '+ Add position' }).click();
  await page.waitForSelector('.positions-table tbody tr[data-index="1"]');
  const withSecond = num(await liqText(page, 0));
  assert.ok(withSecond > alone, `a second long uses the shared wallet: #1 moves up from ${alone} to ${withSecond}`);
  // Wallet-balance formula for #1 alone (cross, others none): C = wallet.
  const want = (10000 - 0.5 * 60000) / (0.5 * 0.005 - 0.5);
  assert.ok(Math.abs(alone - want) < 0.01, `cross #1 alone = (W − Q·EP)/(Q·m − Q) = ${want.toFixed(2)}`);
  // Remove, duplicate and reorder keep working.
  await page.getByRole('button', { name: 'Duplicate position 2' }).click();
  assert.equal(await page.locator('.positions-table tbody tr').count(), 3);
  await page.getByRole('button', { name: 'Remove position 3' }).click();
  assert.equal(await page.locator('.positions-table tbody tr').count(), 2);
});

test('switching venue re-evaluates; compare venues lists every preset', async () => {
  const scen = { venue: 'binance-usdm', positions: [{ symbol: 'BTCUSDT', side: 'long', size: 2, entry_price: 60000, leverage: 20 }] };
  const { page, errors } = await ctx.open(link(scen));
  const binance = await liqText(page);
  await page.locator('[data-path="venue"]').selectOption('okx');
  await page.waitForFunction((b) => document.querySelector('.positions-table td.liq .v').innerText !== b, binance);
  assert.notEqual(await liqText(page), binance, 'OKX counts the closing fee: another liquidation price');
  await page.locator('nav.views a[data-view="compare"]').click();
  const rows = page.locator('.compare-table tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('.compare-table tbody tr').length === 11);
  assert.equal(await rows.count(), 11, 'one row per preset');
  assert.equal(await page.locator('.compare-table tr.current').getAttribute('data-venue'), 'okx');
  assert.ok((await page.locator('.compare-table td.diff').count()) > 0, 'differences are highlighted');
  assert.deepEqual(errors, []);
});

test('state travels: reload, back/forward and a shared link reproduce the page', async () => {
  const { page } = await ctx.open(link(BASE));
  const first = await page.evaluate(() => location.hash);
  await edit(page, 'positions[0].leverage', '15');
  const at15 = await liqText(page);
  // The link and the saved copy follow 300 ms after the last edit.
  await page.waitForFunction((h) => location.hash !== h, first);
  await page.reload();
  await page.evaluate(() => window.__leverlabStarted);
  await page.waitForSelector('.positions-table');
  assert.equal(await field(page, 'positions[0].leverage').inputValue(), '15');
  assert.equal(await liqText(page), at15, 'reload keeps the state');
  // A fresh browser context (no storage) opening the link sees the same numbers.
  const shared = page.url().replace(ctx.url, '');
  const fresh = await ctx.open(shared);
  assert.equal(await liqText(fresh.page), at15, 'the shared link reproduces the result');
  // Back returns to the leverage before the edit.
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('[data-path="positions[0].leverage"]').value === '10');
  assert.equal(await field(page, 'positions[0].leverage').inputValue(), '10');
});

test('a damaged saved state or link is reported and ignored, never a blank page', async () => {
  const { page, errors } = await ctx.open('/#s=1.not-json!!');
  assert.match(await page.locator('.notice').innerText(), /link/i);
  assert.ok(await page.locator('.positions-table').isVisible());
  await page.evaluate(() => localStorage.setItem('leverlab.scenario.v1', '{"venue": "nowhere"'));
  await page.goto(ctx.url + '/');
  await page.evaluate(() => window.__leverlabStarted);
  assert.match(await page.locator('.notice').innerText(), /saved scenario/i);
  assert.ok(await page.locator('.positions-table').isVisible());
  assert.deepEqual(errors, []);
});

test('a link with unknown or mistyped fields: every problem named, each under its field where it has one', async () => {
  const bad = { ...BASE, positions: [{ ...BASE.positions[0], levrage: 10, entry_price: '60k' }] };
  const { page, errors } = await ctx.open(link(bad));
  const notice = await page.locator('.notice').innerText();
  assert.match(notice, /positions\[0\]\.levrage: unknown field; did you mean leverage\?/, notice);
  assert.match(notice, /positions\[0\]\.entry_price: must be a number, not text/, notice);
  const input = field(page, 'positions[0].entry_price');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  const id = await input.getAttribute('aria-describedby');
  assert.match(await page.locator(`#${id}`).innerText(), /must be a number, not text/);
  assert.deepEqual(errors, []);
});

test('import a JSON scenario and a positions CSV; export both back', async () => {
  const { page } = await ctx.open(link(BASE));
  const scenario = { venue: 'bybit', positions: [
    { symbol: 'ETHUSDT', side: 'short', size: 4, entry_price: 3000, leverage: 20 },
    { symbol: 'ETHUSDT', side: 'long', size: 1, entry_price: 2900, leverage: 5 },
  ] };
  await page.locator('.toolbar input[type=file]').setInputFiles({ name: 's.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(scenario)) });
  await page.waitForSelector('.positions-table tbody tr[data-index="1"]');
  assert.equal(await page.locator('[data-path="venue"]').inputValue(), 'bybit');
  const csv = 'symbol,side,size,entry_price,leverage\nSOLUSDT,long,10,150,5\nSOLUSDT,short,5,155,3\nSOLUSDT,long,2,140,2\n';
  await page.locator('.toolbar input[type=file]').setInputFiles({ name: 'p.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForSelector('.positions-table tbody tr[data-index="2"]');
  assert.equal(await field(page, 'positions[2].entry_price').inputValue(), '140');
  // Export writes what was imported (JSON: the Scenario; CSV: the positions, format field names).
  const read = async (name) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
    const chunks = [];
    for await (const c of await dl.createReadStream()) chunks.push(c);
    return { file: dl.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
  };
  const json = await read('Export JSON');
  assert.equal(json.file, 'leverlab-scenario.json');
  assert.deepEqual(JSON.parse(json.text).positions.map((p) => p.entry_price), [150, 155, 140]);
  const out = await read('Export CSV');
  assert.equal(out.text.split('\n')[0], 'symbol,side,contract,size,entry_price,mark_price,leverage,margin,mmr,maint_amount,max_leverage,taker_fee');
  assert.equal(out.text.trim().split('\n').length, 4);
  // A bad CSV names the line and field, and changes nothing.
  await page.locator('.toolbar input[type=file]').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('symbol,size,entry_price\nX,abc,10\n') });
  await page.waitForSelector('.notice.warn');
  assert.match(await page.locator('.notice').innerText(), /CSV line 2/);
  assert.equal(await page.locator('.positions-table tbody tr').count(), 3);
});

test('embed example: the iframe reports its height and mount() renders and goes away', async () => {
  const { page, errors } = await ctx.open('/embed-example.html', { width: 1100 });
  await page.waitForFunction(() => document.getElementById('frame').dataset.reportedHeight);
  const h1 = Number(await page.locator('#frame').getAttribute('data-reported-height'));
  assert.ok(h1 > 300, `iframe height reported (${h1})`);
  const inner = page.frameLocator('#frame');
  assert.equal(await inner.locator('header.top').count(), 0, 'no header in the embed view');
  // Narrower window: the embedded page re-flows and reports a new height.
  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForFunction((h) => Number(document.getElementById('frame').dataset.reportedHeight) !== h, h1);
  const h2 = Number(await page.locator('#frame').getAttribute('data-reported-height'));
  assert.ok(h2 > h1, `narrow iframe is taller (${h1} → ${h2})`);
  assert.match(await page.locator('#api-out').innerText(), /evaluate\(\): liquidation price \d/);
  assert.ok(await page.locator('#calc .leverlab .positions-table').isVisible(), 'mount() rendered');
  await page.locator('#toggle').click();
  assert.equal(await page.locator('#calc .leverlab').count(), 0, 'destroy() removed it');
  // The custom element mounts itself and goes away when removed.
  await page.waitForSelector('leverlab-calculator .positions-table');
  assert.equal(await page.locator('leverlab-calculator [data-path="venue"]').inputValue(), 'hyperliquid');
  await page.evaluate(() => document.getElementById('element').remove());
  assert.equal(await page.locator('.leverlab.mounted').count(), 0);
  await ctx.screenshot(page, 'embed-example');
  assert.deepEqual(errors, []);
});

test('JS API: evaluate, run, commands; bad input throws [{path, message}]', async () => {
  const { page } = await ctx.open('/');
  const out = await page.evaluate((base) => {
    const api = window.wasmBindings;
    const r = api.evaluate(base);
    let thrown;
    try { api.evaluate({ venue: 'binance-usdm', positions: [{ size: 1, entry_price: -1, leverage: 10 }] }); } catch (e) { thrown = e; }
    return { liq: r.positions[0].liquidation_price, names: api.commands().map((c) => c.name), run: api.run('eval', base, {}).positions.length, thrown };
  }, BASE);
  const want = isolatedLinear({ side: 'long', size: 0.5, entry: 60000, leverage: 10, mmr: 0.005 });
  assert.ok(Math.abs(out.liq - want) < 1e-6);
  assert.ok(out.names.includes('eval'));
  assert.equal(out.run, 1);
  assert.ok(Array.isArray(out.thrown) && out.thrown[0].path === 'positions[0].entry_price', JSON.stringify(out.thrown));
});

test('JS API: evaluateBatch over typed arrays gives evaluate\'s numbers; 10^6 positions timed (figure)', async () => {
  const { page } = await ctx.open('/');
  const out = await page.evaluate(() => {
    const api = window.wasmBindings;
    // A small mixed book: the same numbers as evaluate, position by position.
    const syms = ['BTCUSDT', 'ETHUSDT', 'DOGEUSDT'];
    const positions = Array.from({ length: 60 }, (_, i) => ({
      symbol: syms[i % 3], side: i % 2 ? 'short' : 'long', size: 0.05 + (i % 17) * 3.1,
      entry_price: 1000 + (i % 29) * 2113.5, leverage: 2 + (i % 40),
    }));
    const r = api.evaluate({ venue: 'binance-usdm', positions });
    const b = api.evaluateBatch({
      venue: 'binance-usdm', symbol: positions.map((p) => p.symbol), side: positions.map((p) => p.side),
      size: Float64Array.from(positions, (p) => p.size), entry_price: Float64Array.from(positions, (p) => p.entry_price),
      leverage: Float64Array.from(positions, (p) => p.leverage),
    });
    const mismatches = r.positions.filter((p, i) => (p.liquidation_price ?? NaN) !== b.liquidation_price[i] && !(p.liquidation_price === null && Number.isNaN(b.liquidation_price[i]))).length;
    let thrown;
    try { api.evaluateBatch({ venue: 'okx', size: [1, -1], entry_price: [100, 100], leverage: 10 }); } catch (e) { thrown = e; }
    // 10^6 isolated positions, three symbols with tier tables (figure, not asserted).
    const n = 1e6;
    const size = new Float64Array(n), entry = new Float64Array(n), lev = new Float64Array(n), side = new Float64Array(n);
    const symbol = new Array(n);
    for (let i = 0; i < n; i++) {
      size[i] = 0.01 + (i % 997) * 0.05; entry[i] = 1000 + (i % 6007) * 10; lev[i] = 2 + (i % 49);
      side[i] = i % 2 ? -1 : 1; symbol[i] = syms[i % 3];
    }
    const codes = Uint32Array.from(symbol, (s) => syms.indexOf(s));
    const time = (book) => { const t0 = performance.now(); const r = api.evaluateBatch(book); return [performance.now() - t0, r]; };
    const [ms, big] = time({ venue: 'binance-usdm', symbol, side, size, entry_price: entry, leverage: lev });
    const [msCodes, coded] = time({ venue: 'binance-usdm', symbols: syms, symbol: codes, side, size, entry_price: entry, leverage: lev });
    // Same-run baseline, as the native bench's: the shortcut entry × (1 − side/L + side × mmr) written out.
    const t1 = performance.now();
    const shortcut = new Float64Array(n);
    for (let i = 0; i < n; i++) shortcut[i] = entry[i] * (1 - side[i] / lev[i] + side[i] * 0.004);
    const msBase = performance.now() - t1;
    const [msAgain] = time({ venue: 'binance-usdm', symbols: syms, symbol: codes, side, size, entry_price: entry, leverage: lev });
    const same = coded.liquidation_price.every((x, i) => x === big.liquidation_price[i] || (Number.isNaN(x) && Number.isNaN(big.liquidation_price[i])));
    return { mismatches, thrown, ms, msCodes, msAgain, msBase, same, n: big.liquidation_price.length, lp0: big.liquidation_price[0], base: shortcut[n - 1] };
  });
  assert.equal(out.mismatches, 0);
  assert.equal(out.n, 1e6);
  assert.ok(out.lp0 > 0);
  assert.ok(out.same, 'symbol codes give the same numbers as symbol names');
  assert.ok(Array.isArray(out.thrown) && out.thrown[0].path === 'size[1]', JSON.stringify(out.thrown));
  console.log(`evaluateBatch, 10^6 isolated positions in Chromium: ${out.msCodes.toFixed(0)} ms with symbol codes (${out.msAgain.toFixed(0)} ms called again), ${out.ms.toFixed(0)} ms with a string per row; same-run baseline shortcut loop in JS ${out.msBase.toFixed(1)} ms`);
});

test('keyboard only: tab to the leverage field, type, and read the chart with the arrows', async () => {
  const { page } = await ctx.open(link(BASE));
  await page.locator('[data-path="positions[0].entry_price"]').focus();
  await page.keyboard.press('Tab'); // size
  await page.keyboard.press('Tab'); // leverage
  assert.equal(await page.evaluate(() => document.activeElement.dataset.path), 'positions[0].leverage');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('20');
  await page.waitForTimeout(100);
  const want = isolatedLinear({ side: 'long', size: 0.5, entry: 60000, leverage: 20, mmr: 0.005 });
  assert.ok(Math.abs(num(await liqText(page)) - want) < 0.01);
  await page.locator('.charts canvas.chart-overlay').first().focus();
  await page.keyboard.press('ArrowRight');
  assert.match(await page.locator('.charts .readout').innerText(), /price [\d,.]+ · equity/);
});

test('hover read-out is in data coordinates and empty outside the plot', async () => {
  const { page } = await ctx.open(link(BASE));
  await page.waitForSelector('canvas.chart-canvas[data-draws]');
  const box = await page.locator('.charts canvas.chart-overlay').first().boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const text = await page.locator('.charts .readout').innerText();
  const price = num(text.match(/price ([\d,.]+)/)[1]);
  assert.ok(price > 50000 && price < 70000, `mid-chart price near the mark: ${text}`);
  await page.mouse.move(box.x + 2, box.y + 2);
  assert.match(await page.locator('.charts .readout').innerText(), /Point at the chart/);
});

test('screenshots: desktop, dark and 360 px', async () => {
  const scen = { venue: 'binance-usdm', margin_mode: 'cross', wallet_balance: 20000, positions: [
    { symbol: 'BTCUSDT', side: 'long', size: 0.8, entry_price: 60000, leverage: 20 },
    { symbol: 'BTCUSDT', side: 'short', size: 0.3, entry_price: 62000, leverage: 10 },
    { symbol: 'BTCUSDT', side: 'long', size: 0.5, entry_price: 58000, leverage: 10 },
  ] };
  for (const [name, opts] of [['desktop', { width: 1440 }], ['desktop-dark', { width: 1440, colorScheme: 'dark' }], ['mobile-360', { width: 360 }]]) {
    const { page, errors } = await ctx.open(link(scen), opts);
    await page.waitForSelector('canvas.chart-canvas[data-draws]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
      .slice(0, 5).map((e) => `${e.tagName}.${e.className}`));
    assert.ok(overflow <= 0, `${name}: no sideways scrolling of the page (${overflow}px: ${wide.join(', ')})`);
    await ctx.screenshot(page, name);
    if (name === 'mobile-360') {
      // The calculator on a phone (a 360 × 740 screen): its height in screens, and the
      // liquidation prices still in sight at the bottom of the page (the sticky strip).
      await page.setViewportSize({ width: 360, height: 740 });
      const h = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      const strip = await page.evaluate(() => {
        const q = document.querySelector('.quick');
        const r = q?.getBoundingClientRect();
        return r ? { top: r.top, bottom: r.bottom, text: q.innerText } : null;
      });
      console.log(`# leverlab phone: calculator view at 360 × 740 px is ${h} px tall = ${(h / 740).toFixed(2)} screens (3 cross positions); liquidation strip at ${strip?.top.toFixed(0)}–${strip?.bottom.toFixed(0)} px when scrolled to the end`);
      assert.ok(strip && strip.top >= 0 && strip.bottom <= 740, 'the liquidation prices stay in sight at the end of the page');
      assert.match(strip.text, /#1 liq\. [0-9,.]+/);
      await ctx.screenshot(page, 'mobile-360-end', { fullPage: false });
    }
    assert.deepEqual(errors, []);
  }
});

test('timing (figures, not asserted): first paint, keystroke → numbers and chart for 20 positions', async () => {
  const positions = Array.from({ length: 20 }, (_, i) => ({
    symbol: 'BTCUSDT', side: i % 3 ? 'long' : 'short', size: 0.1 + i * 0.05, entry_price: 58000 + i * 200, leverage: 5 + i,
  }));
  const scen = { venue: 'binance-usdm', margin_mode: 'cross', wallet_balance: 50000, positions };
  const { page } = await ctx.open(link(scen));
  await page.waitForSelector('canvas.chart-canvas[data-draws]');
  const paint = await page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    chart: performance.getEntriesByName('leverlab-first-chart')[0]?.startTime,
  }));
  const times = await page.evaluate(async () => {
    const input = document.querySelector('[data-path="positions[0].leverage"]');
    const canvas = document.querySelector('canvas.chart-canvas');
    const root = document.querySelector('.leverlab');
    const out = [];
    for (let k = 0; k < 20; k++) {
      const draws = canvas.dataset.draws;
      const rev = root.dataset.revision;
      let tNumbers = null;
      const revObs = new MutationObserver(() => { if (tNumbers === null && root.dataset.revision !== rev) tNumbers = performance.now(); });
      revObs.observe(root, { attributes: true, attributeFilter: ['data-revision'] });
      const t0 = performance.now();
      input.value = String(5 + (k % 10) + 1);
      input.dispatchEvent(new InputEvent('input', { bubbles: true }));
      // Resolves when the chart has been redrawn (the component bumps data-draws after drawing,
      // and the numbers are rendered before the chart's effect runs).
      await new Promise((resolve) => {
        if (canvas.dataset.draws !== draws) return resolve();
        const obs = new MutationObserver(() => { if (canvas.dataset.draws !== draws) { obs.disconnect(); resolve(); } });
        obs.observe(canvas, { attributes: true });
      });
      const t1 = performance.now();
      revObs.disconnect();
      out.push([t1 - t0, Number(canvas.dataset.drawMs), (tNumbers ?? t1) - t0]);
      await new Promise((r) => requestAnimationFrame(() => r()));
    }
    return out;
  });
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const total = times.map((t) => t[0]);
  const draw = times.map((t) => t[1]);
  const numbers = times.map((t) => t[2]);
  console.log(`# leverlab timing: first contentful paint ${paint.fcp?.toFixed(0)} ms, first chart drawn ${paint.chart?.toFixed(0)} ms after navigation`);
  console.log(`# leverlab timing: keystroke → numbers + chart (20 positions, cross): median ${median(total).toFixed(1)} ms (numbers on screen after ${median(numbers).toFixed(1)} ms; chart draw itself ${median(draw).toFixed(1)} ms), max ${Math.max(...total).toFixed(1)} ms over ${times.length}`);
});
