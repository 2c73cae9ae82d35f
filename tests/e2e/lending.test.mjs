// The DeFi views in real headless Chromium against the release bundle: the lending account
// (health factor, liquidation price, borrowing power, the chart, the protocol comparison), the
// Maker vault and auction, the GMX positions, and loans in the liquidation map. Each checks a
// number the protocol published (the same ones the examples restate), and every view is
// screenshotted at desktop and 360 px width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await ctx?.close(); });

async function drawn(page, scope) {
  return page.evaluate((scope) => {
    const c = document.querySelector(`${scope} canvas.chart-canvas`);
    if (!c) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) n++;
    return n;
  }, scope);
}

async function noHorizontalScroll(page) {
  const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w[0] <= w[1] + 1, `page scrolls sideways: ${w[0]} > ${w[1]}`);
}

test('lending account: Aave health factor, liquidation price, chart and comparison', async () => {
  for (const width of [1280, 360]) {
    const { page, errors } = await ctx.open('/#view=lending', { width });
    const res = page.locator('[data-testid=lending-results]');
    await res.waitFor({ timeout: 30000 });
    // examples/aave-v3.json: HF = 10 × 1,400 × 0.825 / 12,000 = 0.9625; HF = 1 at 1,454.55.
    await page.waitForFunction(() => document.querySelector('[data-testid=health-factor]')?.textContent.includes('0.9625'));
    assert.match(await page.locator('[data-testid=health-factor]').textContent(), /liquidatable/);
    assert.match(await res.textContent(), /1,454\.55/);
    await page.waitForFunction(() => document.querySelector('[data-testid=protocol-comparison]'));
    const cmp = await page.locator('[data-testid=protocol-comparison]').textContent();
    // Morpho at LLTV 86 %: 12,000 / 8.6 = 1,395.35; Maker at 150 %: 1,800.
    assert.match(cmp, /1,395\.35/);
    assert.match(cmp, /1,800\.00/);
    await page.waitForFunction(() => document.querySelector('.outputs canvas.chart-canvas')?.getAttribute('data-draws') > '0');
    assert.ok((await drawn(page, '.outputs')) > 500, 'health chart drawn');
    await noHorizontalScroll(page);
    await ctx.screenshot(page, `lending-${width}`);
    // The loop builder from the 10 WETH alone to 3×: 28,000 USDC borrowed in 4 rounds
    // (11,200, 8,960, 7,168, 672), HF = 42,000 × 0.825 / 28,000 = 1.2375, liquidation price
    // 28,000 / (30 × 0.825) = 1,131.31.
    const loop = page.locator('[data-testid=loop-results]');
    await loop.waitFor({ timeout: 30000 });
    const lv = async (k) => loop.locator('.stat', { hasText: k }).locator('.v').textContent();
    assert.equal(await lv('Rounds'), '4');
    assert.equal(await lv('Borrowed'), '28,000.00 USDC');
    assert.equal(await lv('Health factor'), '1.2375');
    assert.equal(await lv('Liquidation price'), '1,131.31');
    assert.equal(await page.locator('[data-testid=loop-builder] tbody tr').count(), 4);
    if (width === 1280) {
      // 6× is beyond 1 / (1 − 0.8) = 5×: the builder says so instead of a number.
      await page.locator('input[id$="loop-leverage"]').fill('6');
      await page.waitForFunction(() => document.querySelector('[data-testid=loop-builder] [role=alert]')?.textContent.includes('out of reach'));
      await page.locator('input[id$="loop-leverage"]').fill('3');
      await loop.waitFor({ timeout: 30000 });
      await ctx.screenshot(page, `lending-loop-${width}`);
      // The engine's own check lands under the field it names: 0.99 × 1.05 = 1.0395 > 1, which
      // Aave's PoolConfigurator rejects (threshold × bonus ≤ 100 %).
      await page.locator('input[id$="lend-s0-lt"]').fill('99');
      await page.waitForFunction(() => document.querySelector('[id$="lend-s0-lt-msg"]')?.textContent.includes('threshold × (1 + bonus) = 1.0395 exceeds 1'));
      await page.locator('input[id$="lend-s0-lt"]').fill('82.5');
      await page.waitForFunction(() => document.querySelector('[data-testid=health-factor]')?.textContent.includes('0.9625'));
      assert.equal(await page.locator('[id$="lend-s0-lt-msg"]').textContent(), '');
    }
    // Editing the price: at 2,000 the account is healthy (HF 1.375).
    const price = page.locator('input[id$="lend-s0-price"]');
    await price.fill('2000');
    await page.waitForFunction(() => document.querySelector('[data-testid=health-factor]')?.textContent.includes('1.3750'));
    assert.deepEqual(errors, []);
  }
});

test('Maker vault and auction: the path clears at 37 s, three curves compared', async () => {
  for (const width of [1280, 360]) {
    const { page, errors } = await ctx.open('/#view=auction', { width });
    await page.locator('[data-testid=auction-outcome]').waitFor({ timeout: 30000 });
    // examples/maker.json by hand: spot = 4 / 1 / 2 = 2, ink × spot = 80 < art × rate = 100,
    // so the vault is barked whole (room 1,000 / 1.1 > 100): tab = 100 × 1.1 = 110 DAI, lot 40,
    // top = 4 × 1.25 = 5, chost = dust × chop = 20 × 1.1 = 22. Price 5 × 0.99^t; buyers pay in
    // all 1,000 × (1 − price / 4 − 0.02) DAI (10 DAI per 1 % beyond 2 %): first take at t = 25
    // (3.8891, 7.72 DAI); from t = 34 the tab would fall below chost, so it is cut to 22 and
    // the rest waits until the buyers' total reaches 110: 0.99^36 gives 109.49, 0.99^37 =
    // 0.689449 gives 118.19 at 3.44725, so the last 22 DAI buy 6.382 at t = 37. Proceeds
    // 110.00, shortfall 0, 30.023 sold, 40 − 30.023 = 9.977 returned to the owner.
    const stat = async (k) => page.locator('[data-testid=auction-outcome] .stat', { hasText: k }).locator('.v').textContent();
    assert.equal(await stat('Proceeds'), '110.00 DAI');
    assert.equal(await stat('Shortfall'), '0.00 DAI');
    assert.equal(await stat('Time to clear'), '37 s');
    assert.equal(await stat('Returned to the owner'), '9.98');
    assert.equal(await stat('Collateral sold'), '30.02');
    assert.match(await page.locator('[data-testid=vault-results]').textContent(), /110\.00 DAI/);
    const rows = await page.locator('[data-testid=auction-curves] tbody tr').count();
    assert.equal(rows, 3);
    await page.waitForFunction(() => document.querySelector('.outputs canvas.chart-canvas')?.getAttribute('data-draws') > '0');
    assert.ok((await drawn(page, '.outputs')) > 500, 'auction chart drawn');
    await noHorizontalScroll(page);
    await ctx.screenshot(page, `auction-${width}`);
    if (width === 1280) {
      // At 6 the vault is safe (40 × 6 / 2 = 120 ≥ 100): nothing to auction, said under the price
      // with the liquidation price 100 × 2 / 40 = 5.
      await page.locator('input[id$="vault-price"]').fill('6');
      await page.waitForFunction(() => /not-unsafe.*liquidation price 5/.test(document.querySelector('[id$="vault-price-msg"]')?.textContent ?? ''));
    }
    assert.deepEqual(errors, []);
  }
});

test('GMX positions: the guardian case is liquidated and returns 0.88 WETH', async () => {
  for (const width of [1280, 360]) {
    const { page, errors } = await ctx.open('/#view=gmx', { width });
    const res = page.locator('[data-testid=gmx-results]');
    await res.waitFor({ timeout: 30000 });
    // gmx-synthetics test/guardian/testLiquidation.ts: 30,000 SOL long at 15 on 1 WETH at
    // 2,500, SOL at 14.99: PnL = 30,000 × (14.99 − 15) = −300, remaining = 2,500 − 300 =
    // 2,200 < 450,000 × 1 % = 4,500, so liquidatable for leverage; the 2,200 USD left are
    // paid back in WETH at 2,500: 0.88 WETH.
    const first = res.locator('[data-testid=gmx-position-0]');
    assert.match(await first.locator('.status').textContent(), /liquidatable \(min collateral for leverage\)/);
    const v = async (k) => first.locator('.stat', { hasText: k }).locator('.v').textContent();
    assert.equal(await v('Remaining collateral'), '$2,200.00');
    assert.equal(await v('Min. for leverage'), '$4,500.00');
    assert.equal(await v('Back if liquidated now'), '0.880000 WETH ($2,200.00)');
    await noHorizontalScroll(page);
    await ctx.screenshot(page, `gmx-${width}`);
    assert.deepEqual(errors, []);
  }
});

test('loans in the liquidation map: a loan of the Scenario is drawn and named beside the perps', async () => {
  // One Aave-style loan on the asset: 10 ETH against 12,000 USDC at LT 82.5 %: HF = 1 at
  // 12,000 / (10 × 0.825) = 1,454.55, inside the map's ±35 % around 2,000; each step repays
  // half the debt (close factor 0.5) and sells the seized ETH into the same depth.
  const s = {
    venue: 'binance-usdm',
    positions: [{ symbol: 'ETHUSDT', side: 'long', size: 1, entry_price: 2000, leverage: 10 }],
    market: {
      price: 2000,
      depth: { model: 'linear', notional_per_pct: 4e6 },
      loans: [{ side: 'long', collateral: 10, debt: 12000, liquidation_threshold: 0.825, liquidation_bonus: 0.05, close_factor: 0.5 }],
    },
  };
  const { page, errors } = await ctx.open(`/#view=market&s=1.` + Buffer.from(JSON.stringify(s)).toString('base64url'));
  const tab = page.locator('[role=tab][id$="-tab-liqmap"]');
  await tab.waitFor({ timeout: 30000 });
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await page.waitForFunction(() => /Loans: \d+ liquidation steps of 1 loans/.test(document.querySelector('section.charts canvas.chart-canvas')?.getAttribute('aria-label') ?? ''), null, { timeout: 30000 });
  assert.match(await page.locator('section.charts').innerText(), /of which loans/);
  assert.ok((await drawn(page, 'section.charts')) > 500, 'map drawn');
  await ctx.screenshot(page, 'loans-map-1280');
  assert.deepEqual(errors, []);
});
