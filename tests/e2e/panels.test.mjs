// The analytics and cascade panels in real headless Chromium against the release bundle:
// every panel draws, hover reads values, the Monte Carlo runs in slices with progress and can
// be cancelled while the page keeps answering, and a shown number matches a value computed
// here independently. Timings are printed as figures, never asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await ctx?.close(); });

const link = (s) => '/#s=1.' + Buffer.from(JSON.stringify(s)).toString('base64url');
// A link that opens a view (`#view=risk&s=1.…`).
const vlink = (view, s) => `/#view=${view}&s=1.` + Buffer.from(JSON.stringify(s)).toString('base64url');

/** Opens a view from the navigation, as a person would, and waits for it. */
async function goView(page, id) {
  await page.locator(`nav.views a[data-view="${id}"]`).click();
  await page.waitForSelector(`main[data-view="${id}"]`);
}

// One BTC long, flat 0.5 % maintenance (no tiers, no fee on Binance USD-M), σ = 60 %/yr.
// Drift μ = σ²/2 makes the log price driftless (ν = μ − σ²/2 = 0).
const SIGMA = 0.6;
const BASE = {
  venue: 'binance-usdm',
  margin_mode: 'isolated',
  positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.5, entry_price: 60000, leverage: 10, mmr: 0.005 }],
  market: { volatility: { BTCUSDT: SIGMA }, drift: (SIGMA * SIGMA) / 2, horizon_days: 7 },
};
const TWO = {
  ...BASE,
  positions: [...BASE.positions, { symbol: 'ETHUSDT', side: 'short', size: 10, entry_price: 3000, leverage: 20, mmr: 0.005 }],
  market: { ...BASE.market, volatility: { BTCUSDT: SIGMA, ETHUSDT: 0.75 } },
};

/** erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit). */
function erfc(x) {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
const Phi = (x) => 0.5 * erfc(-x / Math.SQRT2);

/** Isolated linear long: C + Q·(P − EP) = Q·P·m with C = Q·EP/lev ⇒ P = (C − Q·EP)/(Q·m − Q). */
function liqLong({ size: Q, entry_price: EP, leverage, mmr: m }) {
  const C = (Q * EP) / leverage;
  return (C - Q * EP) / (Q * m - Q);
}

async function drawnPixels(page, scope = 'section.charts') {
  return page.evaluate((scope) => {
    const c = document.querySelector(`${scope} canvas.chart-canvas`);
    if (!c) return { n: 0 };
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) n++;
    return { n, w: c.width, h: c.height };
  }, scope);
}

/** Clicks a panel tab and waits until the chart has been redrawn for it. */
async function openPanel(page, id) {
  const canvas = page.locator('section.charts canvas.chart-canvas');
  const tab = page.locator(`[role=tab][id$="-tab-${id}"]`);
  if ((await tab.getAttribute('aria-selected')) === 'true') {
    // Already shown (the first panel of a view): wait for its drawing.
    await page.waitForSelector('section.charts canvas.chart-canvas[data-draws]');
    return;
  }
  const before = (await canvas.count()) ? await canvas.getAttribute('data-draws') : null;
  await tab.click();
  await page.waitForFunction(
    ([b, id]) => {
      const c = document.querySelector('section.charts canvas.chart-canvas');
      const panel = document.querySelector('section.charts [role=tabpanel]');
      return panel?.dataset.panel === id && c && c.dataset.draws && c.dataset.draws !== b;
    },
    [before, id],
  );
}

/** Moves the mouse over the chart at fractions (fx, fy) of its size; returns the read-out. */
async function hover(page, fx, fy, scope = 'section.charts') {
  const ov = page.locator(`${scope} canvas.chart-overlay`).first();
  await ov.scrollIntoViewIfNeeded();
  const box = await ov.boundingBox();
  await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
  await page.waitForFunction((scope) => !document.querySelector(`${scope} .readout .hint`), scope);
  return page.locator(`${scope} .readout`).first().innerText();
}

const PANELS = [
  ['risk', 'stress', /move .* equity .* maintenance .* margin ratio/],
  ['risk', 'grid', /PnL change .* equity/],
  ['risk', 'probability', /horizon .* #1 /],
  ['risk', 'probability-leverage', /leverage .*× · #1 /],
  ['market', 'liqmap', /price .* liquidated in this bin .* liquidatable between/],
  ['market', 'cascade', /shock .* final move .* amplification/],
];

test('every panel draws, hover reads data values, no console errors (light and dark)', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page, errors } = await ctx.open(link(BASE), { colorScheme: scheme, dpr: 2 });
    await page.waitForSelector('section.charts canvas.chart-canvas[data-draws]');
    let shown = 'calculator';
    for (const [view, id, readout] of PANELS) {
      if (view !== shown) { await goView(page, view); shown = view; }
      await openPanel(page, id);
      const px = await drawnPixels(page);
      assert.ok(px.n > 5000, `${id} (${scheme}) has drawn pixels: ${px.n}`);
      const err = await page.locator('section.charts .readout .bad').count();
      assert.equal(err, 0, `${id} drew without an error message`);
      const text = await hover(page, 0.55, 0.5);
      assert.match(text, readout, `${id} hover read-out`);
      assert.doesNotMatch(text, /\bNaN\b|undefined|\binf/, `${id} read-out has numbers`);
      await ctx.screenshot(page, `panel-${id}-${scheme}`, { fullPage: false });
    }
    assert.deepEqual(errors, [], `no console errors (${scheme})`);
  }
});

test('two symbols: the grid is a heatmap with liquidating cells marked', async () => {
  const { page, errors } = await ctx.open(vlink('risk', TWO));
  await page.waitForSelector('section.charts canvas.chart-canvas[data-draws]');
  await openPanel(page, 'grid');
  const summary = await page.locator('section.charts canvas.chart-canvas').getAttribute('aria-label');
  assert.match(summary, /Two-symbol surface BTCUSDT × ETHUSDT/);
  const text = await hover(page, 0.3, 0.6);
  assert.match(text, /BTCUSDT [+-]\d.* ETHUSDT [+-]\d.* PnL change/);
  await ctx.screenshot(page, 'panel-grid-two-symbols');
  assert.deepEqual(errors, []);
});

test('driftless case: the page shows 2Φ(ln(L/S)/(σ√t)) for the probability of liquidation', async () => {
  const { page, errors } = await ctx.open(link(BASE));
  await goView(page, 'risk');
  const cell = page.locator('.prob-table tbody tr[data-index="0"] td.p-closed');
  await cell.waitFor();
  const shown = Number(await cell.getAttribute('data-value'));
  const L = liqLong(BASE.positions[0]);
  const t = 7 / 365;
  const want = 2 * Phi(Math.log(L / 60000) / (SIGMA * Math.sqrt(t)));
  console.log(`# closed form: L = ${L.toFixed(2)}, P(7 d) page ${shown.toFixed(8)} vs independent ${want.toFixed(8)}`);
  assert.ok(Math.abs(shown - want) < 1e-6, `probability ${shown} = 2Φ(ln(L/S)/(σ√t)) = ${want}`);
  // The visible text agrees with the value (percent, 2 decimals).
  const p = want * 100;
  assert.equal(await cell.innerText(), `${p.toFixed(p >= 10 ? 1 : 2)} %`);
  assert.deepEqual(errors, []);
});

test('Monte Carlo: slices with progress, the page answers while it runs, Cancel stops it', async () => {
  const { page, errors } = await ctx.open(vlink('risk', BASE));
  await page.waitForSelector('section.charts canvas.chart-canvas[data-draws]');
  await page.locator('[data-path="mc.paths"]').fill('100000');
  await page.locator('[data-path="mc.steps"]').fill('1000');
  await page.locator('button.run-mc').click();
  const bar = page.locator('.risk progress');
  await bar.waitFor();
  const v1 = Number(await bar.getAttribute('value'));
  await page.waitForFunction((v1) => Number(document.querySelector('.risk progress')?.getAttribute('value')) > v1, v1);
  // While it runs (in the worker) a click on another control is handled: switch the chart tab.
  const t0 = Date.now();
  await page.locator('[role=tab][id$="-tab-grid"]').click();
  await page.waitForFunction(() => document.querySelector('section.charts [role=tabpanel]')?.dataset.panel === 'grid' &&
    document.querySelector('section.charts canvas.chart-canvas[data-draws]') && !document.querySelector('section.charts .building'));
  const clickMs = Date.now() - t0;
  assert.equal(await bar.count(), 1, 'still running after the click');
  const v2 = Number(await bar.getAttribute('value'));
  console.log(`# Monte Carlo running: progress ${v1 / 10} % → ${v2 / 10} %; a tab click got its grid from the worker and drawn in ${clickMs} ms meanwhile`);
  await ctx.screenshot(page, 'mc-running');
  await page.locator('.risk .progress-row button.cancel').click();
  await page.waitForFunction(() => !document.querySelector('.risk progress'));
  const cancelledAt = Date.now();
  assert.equal(await page.locator('button.run-mc').isEnabled(), true, 'Run is available again');
  // The worker stopped the job: a new short task is answered at once, not after the 10⁵ paths.
  await page.locator('[role=tab][id$="-tab-stress"]').click();
  await page.waitForFunction(() => document.querySelector('section.charts [role=tabpanel]')?.dataset.panel === 'stress' &&
    document.querySelector('section.charts canvas.chart-canvas[data-draws]') && !document.querySelector('section.charts .updating'));
  console.log(`# Monte Carlo cancelled: the worker answered the next task ${Date.now() - cancelledAt} ms after Cancel`);
  const pMc = await page.locator('.prob-table td.p-mc').first().innerText();
  assert.equal(pMc, '—', 'a cancelled run leaves no estimate');
  assert.deepEqual(errors, []);
});

test('Monte Carlo 10⁵ paths × 1000 steps to completion agrees with the closed form; throughput figure', async () => {
  const { page, errors } = await ctx.open(vlink('risk', BASE));
  await page.locator('.prob-table td.p-closed').first().waitFor();
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration); })
      .observe({ type: 'longtask' });
  });
  await page.locator('[data-path="mc.paths"]').fill('100000');
  await page.locator('[data-path="mc.steps"]').fill('1000');
  await page.locator('button.run-mc').click();
  const done = page.locator('.risk .mc-done');
  await done.waitFor({ timeout: 300_000 });
  const ms = Number(await done.getAttribute('data-mc-ms'));
  const paths = Number(await done.getAttribute('data-mc-paths'));
  const longest = await page.evaluate(() => window.__longest);
  console.log(`# Monte Carlo in the worker: ${paths} paths × 1000 steps in ${ms.toFixed(0)} ms ` +
    `(${(paths * 1000 / ms / 1000).toFixed(2)} M path-steps/s, ${(paths / ms * 1000).toFixed(0)} paths/s); longest main-thread task meanwhile ${longest.toFixed(0)} ms (target ≤ 50 ms)`);
  const mc = Number(await page.locator('.prob-table td.p-mc').first().getAttribute('data-value'));
  const cf = Number(await page.locator('.prob-table td.p-closed').first().getAttribute('data-value'));
  const se = Math.sqrt(cf * (1 - cf) / paths);
  console.log(`# Monte Carlo P ${mc.toFixed(4)} vs closed form ${cf.toFixed(4)} (s.e. ${se.toFixed(4)})`);
  assert.ok(Math.abs(mc - cf) < 5 * se + 2e-3, `Monte Carlo ${mc} within 5 s.e. of ${cf}`);
  // The probability chart with the Monte Carlo point is drawn in the card.
  const px = await drawnPixels(page, 'section.risk');
  assert.ok(px.n > 5000, `risk chart drawn: ${px.n}`);
  await ctx.screenshot(page, 'mc-done');
  assert.deepEqual(errors, []);
});

test('market form: bad text is named next to its field and kept; the cascade card runs a shock', async () => {
  const { page, errors } = await ctx.open(link(BASE));
  await goView(page, 'risk');
  const vol = page.locator('[data-path="market.volatility.BTCUSDT"]');
  await vol.fill('sixty');
  const msg = page.locator('.market .field.invalid .field-msg');
  await msg.waitFor();
  assert.match(await msg.innerText(), /sixty/);
  assert.equal(await vol.inputValue(), 'sixty', 'text kept');
  await vol.fill('80');
  await page.waitForFunction(() => !document.querySelector('.market .field.invalid'));
  const p80 = Number(await page.locator('.prob-table td.p-closed').first().getAttribute('data-value'));
  assert.ok(p80 > 0, 'probability recomputed with σ = 80 %');
  // The market travels in the link like the rest: the hash carries σ = 0.8, a reload keeps it.
  await page.locator('[data-path="market.generator.count"]').fill('5000');
  await page.waitForFunction(() => {
    const h = location.hash.split('s=1.')[1];
    if (!h) return false;
    const s = JSON.parse(atob(h.replace(/-/g, '+').replace(/_/g, '/')));
    return s.market?.volatility?.BTCUSDT === 0.8 && s.market?.generator?.count === 5000;
  }, null, { timeout: 10_000 });
  await page.reload();
  await page.evaluate(() => window.__leverlabStarted);
  await page.locator('[data-path="market.volatility.BTCUSDT"]').waitFor();
  assert.equal(await page.locator('[data-path="market.volatility.BTCUSDT"]').inputValue(), '80', 'σ restored from the link');
  assert.equal(await page.locator('[data-path="market.generator.count"]').inputValue(), '5000', 'count restored from the link');
  // One cascade from a typed shock, with the cascade-conditional price next to the plain one.
  await goView(page, 'market');
  await page.locator('[data-path="cascade.shock"]').fill('-4');
  await page.waitForFunction(() => document.querySelector('.path-table tbody tr'));
  const plain = await page.locator('.user-cascade td.plain').first().innerText();
  const casc = await page.locator('.user-cascade td.cascade-liq').first().innerText();
  const num = (t) => Number(t.replace(/[^0-9.]/g, ''));
  console.log(`# cascade-conditional liquidation: plain ${plain}, with the market's cascade from ${casc}`);
  assert.ok(num(casc) >= num(plain), 'a long is reached by the cascade from a price at or above its own liquidation price');
  await page.locator('section.cascade').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'cascade-card');
  assert.deepEqual(errors, []);
});

test('market positions import: CSV rows become the book; a bad row is named by line and field', async () => {
  const { page, errors } = await ctx.open(vlink('market', BASE));
  const input = page.locator('.market input[type=file]');
  await input.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('side,size,entry_price,leverage\nlong,-1,59000,20\n') });
  const status = page.locator('.market p[role=status]');
  await status.waitFor();
  assert.match(await status.innerText(), /bad\.csv.*csv\.line\[2\]\.size/);
  const csv = 'side,size,entry_price,leverage\nlong,100,59000,20\nlong,50,60500,50\nshort,80,61000,25\n';
  await input.setInputFiles({ name: 'book.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => /Imported 3 market positions/.test(document.querySelector('.market p[role=status]')?.innerText ?? ''));
  // The imported book replaces the generated default: three levels in the cascade card.
  await page.waitForFunction(() => document.querySelector('section.cascade .crit')?.dataset.levels === '3');
  await openPanel(page, 'liqmap');
  const text = await hover(page, 0.3, 0.5);
  assert.match(text, /liquidatable between/);
  assert.deepEqual(errors, []);
});

test('figures: 10⁶ generated positions → map + 200-shock sweep', async () => {
  const big = { ...BASE, market: { ...BASE.market, generator: { open_interest_long: 6e8, open_interest_short: 5e8, count: 1_000_000, seed: 1, entry_spread: 0.05 }, depth: { model: 'linear', notional_per_pct: 5e7 } } };
  const t0 = Date.now();
  const { page, errors } = await ctx.open(vlink('market', big));
  await page.waitForSelector('section.cascade .crit[data-build-ms]', { timeout: 120_000 });
  const loadMs = Date.now() - t0;
  const crit = page.locator('section.cascade .crit');
  const build = Number(await crit.getAttribute('data-build-ms'));
  const sweep = Number(await crit.getAttribute('data-sweep-ms'));
  const levels = Number(await crit.getAttribute('data-levels'));
  const t1 = Date.now();
  await openPanel(page, 'liqmap');
  const mapMs = Date.now() - t1;
  const px = await drawnPixels(page);
  assert.ok(px.n > 5000, 'map drawn');
  // The engine alone through the JS API (no page work).
  const api = await page.evaluate((s) => {
    const b = window.wasmBindings;
    try {
    const t0 = performance.now();
    const m = b.run('map', s, { bins: 150 });
    const t1 = performance.now();
    const c = b.run('cascade', s, { sweep: true, steps: 200, shock: -0.05 });
    const t2 = performance.now();
    return { map: t1 - t0, cascade: t2 - t1, levels: m.summary.long_levels + m.summary.short_levels, crit: c.critical_shock?.down?.shock ?? null };
    } catch (e) { return { error: JSON.stringify(e) }; }
  }, big);
  assert.equal(api.error, undefined, 'JS API ran');
  console.log(`# 10^6 positions (${levels} levels): page load to cards ${loadMs} ms; levels built in the worker in ${build.toFixed(0)} ms, ` +
    `sweep 2 × 200 shocks ${sweep.toFixed(1)} ms; map tab drawn ${mapMs} ms (levels cached)`);
  console.log(`# 10^6 positions via JS API: map ${api.map.toFixed(0)} ms (generate + sort + 150 bins), cascade --sweep 200 ${api.cascade.toFixed(0)} ms (generate again + sweep)`);
  // A new large market: the worker builds it while the page stays responsive; the cascade card
  // keeps its last answer marked "updating…" meanwhile. Long main-thread tasks are recorded.
  await page.evaluate(() => {
    window.__sawUpdating = false;
    window.__longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration); })
      .observe({ type: 'longtask' });
    new MutationObserver(() => {
      if (document.querySelector('section.cascade .updating')) window.__sawUpdating = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  const t2 = Date.now();
  await page.locator('[data-path="market.generator.seed"]').fill('2');
  await page.waitForFunction(() => window.__sawUpdating && !document.querySelector('section.cascade .updating') && document.querySelector('section.cascade .crit'), null, { timeout: 60_000 });
  const longest = await page.evaluate(() => window.__longest);
  console.log(`# 10^6 positions, new seed: "updating…" shown, cards back ${Date.now() - t2} ms after the keystroke (levels built in the worker in ${await crit.getAttribute('data-build-ms')} ms); longest main-thread task meanwhile ${longest.toFixed(0)} ms`);
  await ctx.screenshot(page, 'map-1e6');
  assert.deepEqual(errors, []);
});
