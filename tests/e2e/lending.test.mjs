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
    // examples/maker.json: tab 110, top 5, stairstep 0.99/s: cleared at 37 s, 110 DAI raised,
    // 9.98 returned to the owner.
    const out = await page.locator('[data-testid=auction-outcome]').textContent();
    assert.match(out, /37 s/);
    assert.match(out, /110\.00 DAI/);
    assert.match(out, /9\.98/);
    assert.match(await page.locator('[data-testid=vault-results]').textContent(), /110\.00 DAI/);
    const rows = await page.locator('[data-testid=auction-curves] tbody tr').count();
    assert.equal(rows, 3);
    await page.waitForFunction(() => document.querySelector('.outputs canvas.chart-canvas')?.getAttribute('data-draws') > '0');
    assert.ok((await drawn(page, '.outputs')) > 500, 'auction chart drawn');
    await noHorizontalScroll(page);
    await ctx.screenshot(page, `auction-${width}`);
    assert.deepEqual(errors, []);
  }
});

test('GMX positions: the guardian case is liquidated and returns 0.88 WETH', async () => {
  for (const width of [1280, 360]) {
    const { page, errors } = await ctx.open('/#view=gmx', { width });
    const res = page.locator('[data-testid=gmx-results]');
    await res.waitFor({ timeout: 30000 });
    const first = await res.locator('tbody tr').first().textContent();
    assert.match(first, /liquidatable/);
    assert.match(first, /0\.88/);
    await noHorizontalScroll(page);
    await ctx.screenshot(page, `gmx-${width}`);
    assert.deepEqual(errors, []);
  }
});
