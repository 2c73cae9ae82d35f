// Same answer at every door: for every Scenario in examples/ and a few hundred generated ones,
// the CLI (`leverlab compute`), the JS API (`compute` in headless Chromium) and the page's own
// result (the worker's answers and the Report on screen, read through the page's test hook
// `window.leverlabPage`) agree field by field, analyses included, with the defaults applied
// and listed alike. The page's exported Scenario (its link, which Export writes too) given to
// `leverlab compute` answers the page's numbers.
//
// The wasm (page and JS API) and the native CLI may differ in the last bits of a
// transcendental function (libm), so the CLI is compared within 1e-9 relative; the page and
// the JS API run the same wasm and must agree exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { setup, ROOT } from './harness.mjs';

let ctx;
let cli;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leverlab-same-'));
before(async () => {
  cli = findCli();
  ctx = await setup();
});
after(async () => {
  await ctx?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The CLI `cargo test` built (make test runs the host tests first), else a debug build. */
function findCli() {
  for (const p of ['target/debug/leverlab', 'target/release/leverlab']) {
    const f = path.join(ROOT, p);
    if (fs.existsSync(f)) return f;
  }
  const r = spawnSync('cargo', ['build', '--quiet', '--bin', 'leverlab'], { cwd: ROOT, stdio: 'inherit' });
  assert.equal(r.status, 0, 'cargo build --bin leverlab');
  return path.join(ROOT, 'target/debug/leverlab');
}

/** `leverlab compute` of a request (or a Scenario): { status, json, stderr }. */
function compute(request) {
  const r = spawnSync(cli, ['compute', '--compact', '-'], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 28 });
  let json = null;
  try { json = JSON.parse(r.stdout); } catch { /* refused: stderr says why */ }
  return { status: r.status, json, stderr: r.stderr };
}

/** Deep equality, numbers within `rel` relative (and 1e-12 absolute); names the first difference. */
function same(a, b, rel, where = '') {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return null;
    const d = Math.abs(a - b);
    return d <= 1e-12 || d <= rel * Math.max(Math.abs(a), Math.abs(b)) ? null : `${where}: ${a} vs ${b}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return `${where}: length ${a?.length} vs ${b?.length}`;
    for (let i = 0; i < a.length; i++) {
      const e = same(a[i], b[i], rel, `${where}[${i}]`);
      if (e) return e;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const e = same(a[k], b[k], rel, `${where}.${k}`);
      if (e) return e;
    }
    return null;
  }
  return a === b ? null : `${where}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

const CLI_REL = 1e-9;

function assertSame(a, b, rel, what) {
  const e = same(a, b, rel, '');
  assert.equal(e, null, `${what} differ at ${e}`);
}

// ---- generated Scenarios (seeded, so a failure names a Scenario that can be re-run) ----

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Each venue with symbols of its own naming and a price range; inverse venues size in USD.
const VENUES = [
  { venue: 'binance-usdm', symbols: [['BTCUSDT', 60000], ['ETHUSDT', 3000], ['SOLUSDT', 150]] },
  { venue: 'bybit', symbols: [['BTCUSDT', 60000], ['ETHUSDT', 3000]] },
  { venue: 'bybit-classic', symbols: [['BTCUSDT', 60000], ['ETHUSDT', 3000]] },
  { venue: 'okx', symbols: [['BTC-USDT-SWAP', 60000], ['ETH-USDT-SWAP', 3000]] },
  { venue: 'gate', symbols: [['BTC_USDT', 60000], ['ETH_USDT', 3000]] },
  { venue: 'hyperliquid', symbols: [['BTC', 60000], ['ETH', 3000]] },
  { venue: 'dydx', symbols: [['BTC-USD', 60000], ['ETH-USD', 3000]] },
  { venue: 'generic', symbols: [['BTCUSDT', 60000], ['XYZ', 12]] },
  { venue: 'binance-coinm', symbols: [['BTCUSD', 60000]], inverse: true },
  { venue: 'bitmex', symbols: [['XBTUSD', 60000]], inverse: true },
  { venue: 'deribit', symbols: [['BTC-PERPETUAL', 60000]], inverse: true },
];

function generated(n, seed) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const round = (x, d) => Number(x.toFixed(d));
  const out = [];
  for (let k = 0; k < n; k++) {
    const v = pick(VENUES);
    const cross = r() < 0.5;
    const count = 1 + Math.floor(r() * (v.inverse ? 2 : 3));
    const positions = [];
    for (let i = 0; i < count; i++) {
      const [symbol, base] = pick(v.symbols);
      const entry = round(base * (0.7 + 0.6 * r()), 2);
      const p = {
        symbol,
        side: r() < 0.5 ? 'long' : 'short',
        size: v.inverse ? round(100 + r() * 20000, 0) : round((2000 + r() * 30000) / entry, 4),
        entry_price: entry,
        leverage: round(2 + r() * 23, 1),
      };
      if (r() < 0.5) p.mark_price = round(entry * (0.92 + 0.16 * r()), 2);
      positions.push(p);
    }
    const s = { venue: v.venue, margin_mode: cross ? 'cross' : 'isolated', positions };
    if (cross) s.wallet_balance = v.inverse ? round(0.2 + r() * 2, 3) : round(3000 + r() * 30000, 2);
    if (r() < 0.25) s.market = { volatility: { [positions[0].symbol]: round(0.3 + r() * 0.9, 2) }, horizon_days: round(1 + r() * 29, 0) };
    out.push(s);
  }
  return out;
}

// ---- the page ----

const b64 = (s) => Buffer.from(JSON.stringify(s)).toString('base64url');

/** Loads `scenario` into the open page on `view` (through the link, as a person pasting it would)
 *  and waits for the worker's answers of `tasks` for the Scenario the page shows. Returns what
 *  the page computed, or null when the page does not accept the Scenario. */
async function pageResult(page, scenario, view, tasks) {
  const before = await page.evaluate(() => [window.leverlabPage.scenario(), document.querySelector('.leverlab').dataset.revision]);
  await page.evaluate(([v, s]) => { location.hash = `view=${v}&s=1.${s}`; }, [view, b64(scenario)]);
  // The page loads the Scenario (or shows its problems): its revision changes on that render.
  await page.waitForFunction((r) => document.querySelector('.leverlab').dataset.revision !== r, before[1], { timeout: 20_000, polling: 20 });
  const shown = await page.evaluate(() => window.leverlabPage.scenario());
  if (shown === before[0] && JSON.stringify(JSON.parse(shown ?? 'null')?.positions) !== JSON.stringify(scenario.positions)) return null;
  await page.waitForFunction((ts) => {
    const h = window.leverlabPage;
    if (h.pending() > 0) return false;
    const now = h.scenario();
    const a = JSON.parse(h.answers());
    return ts.every((t) => a[t] && a[t].scenario === now);
  }, tasks, { timeout: 120_000, polling: 50 });
  // The link is written 300 ms after the last change, with the computed settings.
  await page.waitForFunction(() => {
    const part = location.hash.split('&').find((kv) => kv.startsWith('s=1.') || kv.startsWith('#s=1.'));
    if (!part) return false;
    const b = part.replace(/^#?s=1\./, '').replace(/-/g, '+').replace(/_/g, '/');
    const text = new TextDecoder().decode(Uint8Array.from(atob(b + '==='.slice((b.length + 3) % 4)), (c) => c.charCodeAt(0)));
    return text === window.leverlabPage.exported();
  }, null, { timeout: 10_000, polling: 50 });
  return page.evaluate(() => {
    const h = window.leverlabPage;
    return { scenario: JSON.parse(h.scenario()), report: JSON.parse(h.report()), exported: JSON.parse(h.exported()), answers: JSON.parse(h.answers()), hash: location.hash };
  });
}

/** The JS API's answer to a request (the worker module's `compute` on the main thread). */
async function jsCompute(page, request) {
  return page.evaluate((r) => {
    try { return { ok: window.wasmBindings.compute(r) }; } catch (e) { return { err: e }; }
  }, request);
}

/** Checks one page result against the CLI and the JS API; returns the number of analyses compared. */
async function checkPage(page, res, label) {
  let n = 0;
  // The Report on screen is the Report of both other doors.
  const cliReport = compute({ scenario: res.scenario, analyses: [] });
  assert.equal(cliReport.status, 0, `${label}: the CLI refuses the page's Scenario: ${cliReport.stderr}`);
  assertSame(res.report, cliReport.json.report, CLI_REL, `${label}: the page's and the CLI's Report`);
  // Answers of this Scenario (the hook also keeps the last answer of another view's task).
  const current = Object.entries(res.answers).filter(([, a]) => JSON.stringify(JSON.parse(a.scenario)) === JSON.stringify(res.scenario));
  assert.ok(current.length > 0, `${label}: no answer of the page for its Scenario`);
  for (const [task, { scenario, answer }] of current) {
    const request = { scenario: JSON.parse(scenario), analyses: answer.request };
    const js = await jsCompute(page, request);
    assert.ok(js.ok, `${label} ${task}: the JS API refuses the page's request: ${JSON.stringify(js.err)}`);
    const c = compute(request);
    assert.equal(c.status, 0, `${label} ${task}: the CLI refuses the page's request: ${c.stderr}`);
    // Entries: analysis, settings (every default filled in), result, assumptions, errors.
    assertSame(answer.analyses, js.ok.analyses, 0, `${label} ${task}: page and JS API entries`);
    assertSame(answer.analyses, c.json.analyses, CLI_REL, `${label} ${task}: page and CLI entries`);
    assertSame(answer.assumptions, c.json.assumptions, CLI_REL, `${label} ${task}: page and CLI assumptions`);
    n += answer.analyses.length;
  }
  // The exported Scenario (the link carries the same) gives the page's numbers at the CLI.
  const hashScenario = JSON.parse(Buffer.from(res.hash.split('s=1.')[1], 'base64url').toString());
  assertSame(hashScenario, res.exported, 0, `${label}: the link and the export`);
  const ex = compute(res.exported);
  assert.equal(ex.status, 0, `${label}: the CLI refuses the exported Scenario: ${ex.stderr}`);
  for (const [, { answer }] of current) {
    for (const entry of answer.analyses) {
      const got = ex.json.analyses.find((e) => e.analysis === entry.analysis);
      assert.ok(got, `${label}: the export does not carry ${entry.analysis}`);
      const strip = (e) => ({ result: e.result, errors: e.errors, settings: e.settings,
        market: (e.assumptions ?? []).filter((a) => a.path.startsWith('market.')) });
      const s = strip(entry);
      // The export carries the fitted stress range with `fit`, which the entry applies and drops.
      assertSame(s, strip(got), CLI_REL, `${label}: the page's ${entry.analysis} and the CLI's of the exported Scenario`);
    }
  }
  return n;
}

const EXCHANGE_ANALYSES = [
  { stress: { fit: true } }, { band: {} }, { grid: {} }, { probability: { curves: true } }, { recommend: {} },
  { greeks: {} }, { carry: {} }, { venues: {} },
];

test('every example: the CLI, the JS API and the page answer alike', async () => {
  const { page, errors } = await ctx.open('/#view=risk');
  const files = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).sort();
  let compared = 0;
  let onPage = 0;
  for (const f of files) {
    const scenario = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8'));
    // CLI and JS API on the file itself, with every exchange analysis (or its own section).
    const protocol = ['aave-v3', 'morpho-blue', 'maker', 'gmx-v2'].includes(scenario.venue);
    const request = protocol ? scenario : { scenario, analyses: EXCHANGE_ANALYSES };
    const c = compute(request);
    const js = await jsCompute(page, request);
    if (c.status !== 0) {
      assert.ok(js.err, `${f}: the CLI refuses (${c.stderr.trim()}) but the JS API answers`);
      continue;
    }
    assert.ok(js.ok, `${f}: the JS API refuses: ${JSON.stringify(js.err)}`);
    assertSame(js.ok, c.json, CLI_REL, `${f}: JS API and CLI`);
    compared += c.json.analyses.length;
    if (protocol) continue;
    // The page, on its risk, market and compare views.
    for (const [view, tasks] of [['risk', ['stress', 'risk']], ['market', ['map', 'cascade']], ['compare', ['compare']]]) {
      const res = await pageResult(page, scenario, view, tasks);
      if (!res) break;
      compared += await checkPage(page, res, `${f} (${view})`);
      onPage++;
    }
  }
  console.log(`# same answer: ${files.length} examples, ${compared} analyses compared (CLI vs JS API vs page), ${onPage} page views`);
  assert.ok(onPage >= 3 * 10, `most examples open on the page (${onPage} views)`);
  assert.deepEqual(errors, []);
});

test('a few hundred generated Scenarios: the CLI, the JS API and the page answer alike', async () => {
  const { page, errors } = await ctx.open('/#view=risk');
  const scenarios = generated(200, 20261205);
  let refused = 0;
  let pages = 0;
  let compared = 0;
  const t0 = Date.now();
  for (const [k, scenario] of scenarios.entries()) {
    const label = `generated #${k} ${JSON.stringify(scenario).slice(0, 160)}`;
    const request = { scenario, analyses: [{ stress: { fit: true } }, { probability: { curves: true } }, { grid: {} }, { carry: {} }] };
    const c = compute(request);
    const js = await jsCompute(page, request);
    if (c.status !== 0) {
      // Refused at both doors, with the same problems.
      refused++;
      assert.ok(js.err, `${label}: the CLI refuses but the JS API answers`);
      const paths = (c.stderr.match(/^[^:\n]+(?=:)/gm) ?? []).sort();
      assert.deepEqual(js.err.map((e) => e.path).sort(), paths, `${label}: the same problems`);
      continue;
    }
    assertSame(js.ok, c.json, CLI_REL, `${label}: JS API and CLI`);
    compared += c.json.analyses.length;
    // Every other Scenario also on the page (the risk view: stress and the risk tables).
    if (k % 2 === 0) {
      const res = await pageResult(page, scenario, 'risk', ['stress', 'risk']);
      assert.ok(res, `${label}: the page does not show a Scenario the CLI accepts`);
      compared += await checkPage(page, res, label);
      pages++;
    }
  }
  console.log(`# same answer: ${scenarios.length} generated Scenarios (${refused} refused alike), ${pages} on the page, ${compared} analyses compared in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  assert.ok(refused < scenarios.length / 4, `most generated Scenarios are valid (${refused} refused)`);
  assert.deepEqual(errors, []);
});
