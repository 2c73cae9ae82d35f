// The options view (#view=options) in real headless Chromium against the release bundle:
// option positions in the editor, the payoff chart and the Greeks table (a price checked
// against Black-Scholes computed here), implied volatility from a premium, named errors next
// to the fields, the collateral editor (Bybit's tiered example) and the portfolio-margin heat
// table with the standard-vs-portfolio comparison. Screenshots at desktop and 360 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await ctx?.close(); });

const vlink = (view, s) => `/#view=${view}&s=1.` + Buffer.from(JSON.stringify(s)).toString('base64url');

/** The standard normal CDF by Simpson's rule on the density from 0 to x (4,000 intervals:
 * error far below 1e-12 for |x| < 8), independent of the engine's own. */
function Phi(x) {
  const n = 4000;
  const h = x / n;
  const f = (t) => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  let sum = f(0) + f(x);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * f(i * h);
  return 0.5 + (sum * h) / 3;
}

/** Black-Scholes call with r = q = 0 (Hull, ch. 15): S N(d1) − K N(d2). */
function bsCall(S, K, T, v) {
  const d1 = (Math.log(S / K) + 0.5 * v * v * T) / (v * Math.sqrt(T));
  return S * Phi(d1) - K * Phi(d1 - v * Math.sqrt(T));
}

// examples/portfolio.json: short 3 inverse BTC calls K 100,000 (S 92,000, 0.25 y, σ 55 %) and a
// long perpetual, Deribit portfolio margin.
const BOOK = {
  venue: 'deribit',
  margin_mode: 'portfolio',
  wallet_balance: 2.5,
  positions: [
    { symbol: 'BTC-27MAR26-100000-C', contract: 'option', side: 'short', size: 3, entry_price: 0.045,
      option: { type: 'call', strike: 100000, expiry_years: 0.25, underlying_price: 92000, volatility: 0.55, settlement: 'inverse' } },
    { symbol: 'BTC-PERPETUAL', side: 'long', size: 150000, entry_price: 91000, mark_price: 92000 },
  ],
  portfolio_margin: { model: 'deribit' },
};

const field = (page, path) => page.locator(`input[data-path="${path}"]`);
const msg = (page, path) => page.locator(`.field:has(input[data-path="${path}"]) .field-msg`);

async function waitGreeks(page) {
  await page.waitForSelector('table.greeks-table td.price', { timeout: 60_000 });
}

test('options view: Greeks and payoff from the worker; the price matches Black-Scholes', async () => {
  const { page, errors } = await ctx.open(vlink('options', BOOK));
  await page.waitForSelector('main[data-view="options"]');
  await waitGreeks(page);
  const price = Number(await page.locator('table.greeks-table tr[data-index="0"] td.price').getAttribute('data-value'));
  const want = bsCall(92000, 100000, 0.25, 0.55);
  assert.ok(Math.abs(price - want) / want < 1e-6, `price ${price} vs Black-Scholes ${want}`);
  // The payoff chart drew something.
  await page.waitForSelector('section.payoff canvas.chart-canvas');
  const drawn = await page.evaluate(() => {
    const c = document.querySelector('section.payoff canvas.chart-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) n++;
    return n;
  });
  assert.ok(drawn > 2000, `payoff chart pixels: ${drawn}`);
  // The PM grid: 9 price buckets × 3 volatility moves, one cell marked as setting the margin.
  await page.waitForSelector('table.pm-heat td.cell');
  assert.equal(await page.locator('table.pm-heat td.cell:not(.empty)').count(), 27);
  // One cell sets the margin: here Deribit's extended table's +500 % (the short calls far out
  // of the money: 3 × (1 − 100,000/552,000) BTC lost against the perpetual's gain clamped at
  // +16 %, less the 100,000 USD dampener), which is what the extended table is for.
  assert.equal(await page.locator('section.portfolio td.worst').count(), 1);
  const counted = await page.locator('table.pm-extended td.counted').evaluateAll((tds) => tds.map((t) => Number(t.dataset.value)));
  const k = counted.indexOf(Math.max(...counted));
  assert.ok(await page.locator('table.pm-extended tbody tr').first().locator('td').nth(k).evaluate((td) => td.classList.contains('worst')));
  // Restated: 91.25 days ≥ 30, so the volatility-up shock is max(0.55 (1 + 0.5 (30/91.25)^0.13),
  // 0.5) (Deribit's formula, its 2024-06-17 BTC parameters); coin values are BS prices / S.
  const volUp = Math.max(0.55 * (1 + 0.5 * Math.pow(30 / 91.25, 0.13)), 0.5);
  const calls = 3 * (bsCall(552000, 100000, 0.25, volUp) / 552000 - bsCall(92000, 100000, 0.25, 0.55) / 92000);
  const perp = (150000 / 92000) * (0.16 / 1.16);
  const wantLoss = calls - perp - 100000 / 92000;
  assert.ok(Math.abs(counted[k] - wantLoss) < 1e-6, `counted ${counted[k]} vs ${wantLoss}`);
  // The standard margin sits beside the portfolio margin.
  const std = Number(await page.locator('table.pm-compare td.std-im').getAttribute('data-value'));
  const pm = Number(await page.locator('table.pm-compare td.pm-im').getAttribute('data-value'));
  assert.ok(std > 0 && pm > 0, `standard ${std}, portfolio ${pm}`);
  await ctx.screenshot(page, 'options-desktop');
  assert.deepEqual(errors, []);
});

test('options view: named errors next to the fields; a premium gives the implied volatility', async () => {
  const { page, errors } = await ctx.open(vlink('options', BOOK));
  await waitGreeks(page);
  // A strike of 0: the engine's message under the strike.
  await field(page, 'positions[0].option.strike').fill('0');
  await page.waitForFunction(() => /more than 0|> 0/.test(document.querySelector('.field:has(input[data-path="positions[0].option.strike"]) .field-msg')?.textContent ?? ''));
  await field(page, 'positions[0].option.strike').fill('100,000');
  // Text that is not a number: the page's own message, quoting it.
  await field(page, 'positions[0].option.volatility').fill('abc');
  await page.waitForFunction(() => /abc/.test(document.querySelector('.field:has(input[data-path="positions[0].option.volatility"]) .field-msg')?.textContent ?? ''));
  await field(page, 'positions[0].option.volatility').fill('0');
  await page.waitForFunction(() => /must be > 0/.test(document.querySelector('.field:has(input[data-path="positions[0].option.volatility"]) .field-msg')?.textContent ?? ''));
  assert.equal(await field(page, 'positions[0].option.volatility').getAttribute('aria-invalid'), 'true');
  // Volatility empty and the premium now given: the volatility is implied from it. The coin
  // premium of σ = 55 % is bsCall/S, so the implied volatility is 55 %.
  await field(page, 'positions[0].option.volatility').fill('');
  const coin = bsCall(92000, 100000, 0.25, 0.55) / 92000;
  await field(page, 'positions[0].mark_price').fill(coin.toFixed(10));
  await page.waitForFunction(() => /implied/.test(document.querySelector('table.greeks-table tr[data-index="0"] td.vol')?.textContent ?? ''), null, { timeout: 60_000 });
  const iv = Number(await page.locator('table.greeks-table tr[data-index="0"] td.vol').getAttribute('data-value'));
  assert.ok(Math.abs(iv - 0.55) < 1e-6, `implied ${iv}`);
  // A premium below the no-arbitrage bound: said why, no NaN. An inverse call's lower bound is 0;
  // a put deep in the money is bounded by its intrinsic value.
  await page.locator('select[data-path="positions[0].option.type"]').selectOption('put');
  await field(page, 'positions[0].mark_price').fill('0.00001');
  await page.waitForFunction(() => /no-arbitrage/.test(document.querySelector('.field:has(input[data-path="positions[0].mark_price"]) .field-msg')?.textContent ?? ''));
  assert.ok(!(await page.content()).includes('NaN'));
  assert.deepEqual(errors, []);
});

test('options view: collateral editor values each asset after its haircut (Bybit tiers)', async () => {
  // Bybit UTA's tiered collateral value ratio (BTC 0–10 0.98, 10–20 0.95, 20–30 0.90, 30–40
  // 0.85): 35 BTC count 10×0.98 + 10×0.95 + 10×0.90 + 5×0.85 = 32.55 BTC = 1,953,000 at 60,000.
  const s = {
    venue: 'bybit', margin_mode: 'cross',
    collateral: [
      { asset: 'BTC', amount: 35, price: 60000, tier_basis: 'amount',
        haircut_tiers: [{ floor: 0, ratio: 0.98 }, { floor: 10, ratio: 0.95 }, { floor: 20, ratio: 0.9 }, { floor: 30, ratio: 0.85 }, { floor: 40, ratio: 0.8 }, { floor: 50, ratio: 0 }] },
      { asset: 'USDT', amount: 1000, price: 1, ratio: 1 },
    ],
    positions: [{ symbol: 'BTCUSDT', side: 'short', size: 40, entry_price: 60000 }],
  };
  const { page, errors } = await ctx.open(vlink('options', s));
  await page.waitForSelector('table.collateral-table td.value', { timeout: 60_000 });
  const v = Number(await page.locator('table.collateral-table tr[data-index="0"] td.value').getAttribute('data-value'));
  assert.ok(Math.abs(v - 1_953_000) < 1e-6, `BTC value ${v}`);
  const liq = Number(await page.locator('table.collateral-table tr[data-index="0"] td.liq').getAttribute('data-value'));
  // Everything else held (the short's mark too), only a fall of the collateral BTC's price
  // takes the account to its maintenance.
  assert.ok(liq > 0 && liq < 60000, `the collateral BTC's liquidation price: ${liq}`);
  // A bad amount: named next to the field.
  await field(page, 'collateral[1].amount').fill('lots');
  await page.waitForFunction(() => /lots/.test(document.querySelector('.field:has(input[data-path="collateral[1].amount"]) .field-msg')?.textContent ?? ''));
  await field(page, 'collateral[1].price').fill('-1');
  await field(page, 'collateral[1].amount').fill('1000');
  await page.waitForFunction(() => (document.querySelector('.field:has(input[data-path="collateral[1].price"]) .field-msg')?.textContent ?? '').length > 3);
  assert.deepEqual(errors, []);
});

test('options view on a phone: 360 px, no sideways scroll of the page', async () => {
  const { page, errors } = await ctx.open(vlink('options', BOOK), { width: 360, height: 800 });
  await waitGreeks(page);
  await page.waitForSelector('section.portfolio td.worst');
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(over <= 1, `the page scrolls sideways by ${over}px`);
  await ctx.screenshot(page, 'options-360');
  // Adding a put from the editor: a second option row and a second Greeks row.
  await page.getByRole('button', { name: '+ Add a put' }).click();
  await page.waitForSelector('table.greeks-table tr[data-index="2"]', { timeout: 60_000 });
  assert.deepEqual(errors, []);
});
