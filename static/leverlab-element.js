// <leverlab-calculator scenario='{"venue":"bybit","positions":[…]}'></leverlab-calculator>
// A custom element over the JS API's mount(): it mounts when added to the page (once the app's
// wasm has started, see boot.js) and calls destroy() when removed.
const ready = new Promise((resolve) => {
  if (window.wasmBindings) resolve(window.wasmBindings);
  else addEventListener('TrunkApplicationStarted', () => resolve(window.wasmBindings), { once: true });
});

class LeverlabCalculator extends HTMLElement {
  async connectedCallback() {
    const api = await ready;
    if (!this.isConnected || this.handle) return;
    const text = this.getAttribute('scenario');
    try {
      this.handle = api.mount(this, text ? text : undefined);
    } catch (problems) {
      // mount() throws [{path, message}] for a bad scenario: say so in the element.
      this.textContent = 'leverlab: ' + (Array.isArray(problems) ? problems.map((p) => `${p.path}: ${p.message}`).join('; ') : String(problems));
    }
  }

  disconnectedCallback() {
    this.handle?.destroy();
    this.handle = undefined;
  }
}

customElements.define('leverlab-calculator', LeverlabCalculator);
