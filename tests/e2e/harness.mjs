// Shared set-up for leverlab's browser tests: the release bundle in dist/ served on a free
// port, Debian's Chromium driven by playwright-core, and helpers that record what a person
// would notice (console errors, network requests) and save screenshots under target/.
//
//   import { setup } from './harness.mjs';
//   const ctx = await setup();            // in before()
//   const { page, errors, requests } = await ctx.open('/#...', { width: 360 });
//   await ctx.screenshot(page, 'mobile');  // target/screenshots/mobile.png
//   await ctx.close();                     // in after()
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/static-server.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = process.env.LEVERLAB_DIST ?? path.join(ROOT, 'dist');
export const SHOTS = path.join(ROOT, 'target', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Flags that keep Chromium quiet on a machine with no internet (see the env notes).
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Starts the server and the browser. Returns { url, browser, open, screenshot, close }.
 * `open(pathAndHash, { width, height, colorScheme, waitReady })` resolves after trunk's
 * `TrunkApplicationStarted` event (unless waitReady is false) to
 * { page, context, errors, requests }: `errors` collects console errors and uncaught
 * exceptions, `requests` every URL the page asked for.
 */
export async function setup() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: run 'make test' (it builds the bundle first)`);
  }
  const server = await startServer(DIST, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const contexts = [];

  async function open(where = '/', opts = {}) {
    const { width = 1280, height = 900, colorScheme = 'light', waitReady = true } = opts;
    const context = await browser.newContext({ viewport: { width, height }, colorScheme, deviceScaleFactor: opts.dpr ?? 1 });
    contexts.push(context);
    const page = await context.newPage();
    const errors = [];
    const requests = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.addInitScript(() => {
      window.__leverlabStarted = new Promise((resolve) =>
        window.addEventListener('TrunkApplicationStarted', () => resolve(true), { once: true }));
    });
    await page.goto(server.url + where);
    // A page that never starts (a script error, a module that fails to load) fails the test
    // within a minute, naming what the page reported, instead of hanging the suite.
    if (waitReady) {
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the page did not start within 60 s; it reported: ${errors.join(' | ') || 'nothing'}`)), 60_000);
      });
      try {
        await Promise.race([page.evaluate(() => window.__leverlabStarted), timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    return { page, context, errors, requests };
  }

  async function screenshot(page, name, opts = {}) {
    fs.mkdirSync(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: opts.fullPage ?? true });
    return file;
  }

  async function close() {
    for (const c of contexts) await c.close().catch(() => {});
    await browser.close();
    await server.close();
  }

  return { url: server.url, browser, open, screenshot, close };
}
