// leverlab's loader: starts the WebAssembly app from this same-origin file instead of an
// inline script, so the page's Content-Security-Policy can forbid inline scripts entirely
// (script-src 'self' 'wasm-unsafe-eval'). It then does what trunk's inline loader does:
// exposes the JS API as window.wasmBindings and fires `TrunkApplicationStarted`.
import init, * as bindings from './app.js';

const wasm = await init({ module_or_path: new URL('app_bg.wasm', import.meta.url) });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
