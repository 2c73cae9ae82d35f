// leverlab's loader: starts the WebAssembly app from this same-origin file instead of an
// inline script, so the page's Content-Security-Policy can forbid inline scripts entirely
// (script-src 'self' 'wasm-unsafe-eval'). It then does what trunk's inline loader does:
// exposes the JS API as window.wasmBindings and fires `TrunkApplicationStarted`.
//
// Two modules: the calculator (app.js / app_bg.wasm) starts at once; the second module
// (worker.js / worker_bg.wasm: analytics, cascades, venue import, the rest of the JS API) is
// fetched only after the calculator has painted, when the browser is idle. The page runs it in
// a Web Worker (worker-boot.js); for the JS API it is loaded on the main thread too, and
// `TrunkApplicationStarted` fires once both are ready, so `window.wasmBindings` has every call.
// `window.leverlabApi` is the promise of it.
import init, * as app from './app.js';

const here = new URL('./', import.meta.url).href;
// Where the worker's files are, for a page that mounts the calculator from elsewhere.
window.leverlabAssets = here;
const wasm = await init({ module_or_path: new URL('app_bg.wasm', here) });
const API = ['evaluate', 'run', 'commands', 'importVenue', 'evaluateBatch', 'compute'];
const afterPaint = () =>
  new Promise((resolve) =>
    requestAnimationFrame(() => ('requestIdleCallback' in window ? requestIdleCallback(resolve, { timeout: 1500 }) : setTimeout(resolve, 50))),
  );
window.leverlabApi = afterPaint().then(async () => {
  const full = await import('./worker.js');
  await full.default({ module_or_path: new URL('worker_bg.wasm', here) });
  const api = { mount: app.mount };
  for (const name of API) if (typeof full[name] === 'function') api[name] = full[name];
  window.wasmBindings = api;
  dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
  return api;
});
