// The embedding examples' script (external, so the page needs no inline script).
const frame = document.getElementById('frame');
addEventListener('message', (e) => {
  if (e.source === frame.contentWindow && e.data && e.data.type === 'leverlab:height') {
    frame.height = String(Math.ceil(e.data.height));
    frame.dataset.reportedHeight = String(Math.ceil(e.data.height));
  }
});

const scenario = {
  venue: 'bybit',
  positions: [{ symbol: 'ETHUSDT', side: 'short', size: 4, entry_price: 3000, leverage: 20 }],
};
let handle = null;
const out = document.getElementById('api-out');
const button = document.getElementById('toggle');

function start() {
  const api = window.wasmBindings;
  handle = api.mount(document.getElementById('calc'), scenario);
  const report = api.evaluate(scenario);
  out.textContent = `evaluate(): liquidation price ${report.positions[0].liquidation_price.toFixed(2)}; commands(): ${api.commands().map((c) => c.name).join(', ')}`;
  button.textContent = 'Remove the mounted calculator';
}

button.addEventListener('click', () => {
  if (handle) {
    handle.destroy();
    handle = null;
    button.textContent = 'Mount it again';
  } else {
    start();
  }
});

if (window.wasmBindings) start();
else addEventListener('TrunkApplicationStarted', start, { once: true });
