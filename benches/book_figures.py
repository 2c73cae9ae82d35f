"""Whole-process book figures for the README's Speed section (figures, not tests).

    cargo build --release --bin leverlab && make test-python   # the CLI and .venv's package
    .venv/bin/python benches/book_figures.py

Measures, each as wall time and peak resident memory of the child process (GNU time):
* 200,000 tiered isolated Binance BTCUSDT positions, JSON Scenario in → JSON out, `leverlab
  eval` (full Report, and `--fields symbol,liquidation_price`) against benches/py_loop.py, a
  plain Python loop of the same formula on the same file, in the same run; the answers are
  checked to agree;
* 10⁶ positions CSV → CSV through `leverlab eval --format csv` (streamed);
* `leverlab.liquidation_prices` on 10⁶ numpy rows, in this process.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = ROOT / "target/release/leverlab"


def run(args, stdout_path):
    """(seconds, peak RSS in MB) of one child process, measured by GNU time (/usr/bin/time):
    os.wait4's ru_maxrss would also count the forked Python image before exec."""
    with open(stdout_path, "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", *args], stdout=out, stderr=subprocess.PIPE, check=True)
        dt = time.perf_counter() - t0
    return dt, int(p.stderr.decode().strip().splitlines()[-1]) / 1024


def best(args, stdout_path, repeat=2):
    runs = [run(args, stdout_path) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def book(n, rng):
    """n isolated BTCUSDT positions, notionals 10³–10⁹ (every bracket), leverage 1–50."""
    entry = rng.uniform(20_000, 120_000, n)
    notional = 10 ** rng.uniform(3, 9, n)
    return entry, notional / entry, rng.integers(1, 51, n).astype(float), rng.random(n) < 0.5


def main():
    rng = np.random.default_rng(13)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="leverlab-figures-"))
    # 200,000 positions, JSON → JSON.
    entry, size, lev, long = book(200_000, rng)
    positions = [{"symbol": "BTCUSDT", "side": "long" if l else "short", "size": float(q), "entry_price": float(e),
                  "leverage": float(v)} for e, q, v, l in zip(entry, size, lev, long)]
    src = tmp / "book.json"
    src.write_text(json.dumps({"venue": "binance-usdm", "positions": positions}))
    mb = src.stat().st_size / 2**20
    t_full, m_full = best([str(CLI), "eval", str(src)], tmp / "report.json")
    t_lp, m_lp = best([str(CLI), "eval", str(src), "--fields", "symbol,liquidation_price"], tmp / "lp.json")
    t_py, m_py = best([sys.executable, str(ROOT / "benches/py_loop.py"), str(src)], tmp / "py.json")
    ours = [p["liquidation_price"] for p in json.loads((tmp / "lp.json").read_text())["positions"]]
    theirs = [p["liquidation_price"] for p in json.loads((tmp / "py.json").read_text())]
    worst = max(abs(a - b) / a for a, b in zip(ours, theirs) if a is not None and b is not None)
    print(f"200k JSON → JSON: input {mb:.1f} MB; full Report {t_full:.3f} s, {m_full:.0f} MB peak, "
          f"output {(tmp / 'report.json').stat().st_size / 2**20:.0f} MB; --fields symbol,liquidation_price "
          f"{t_lp:.3f} s, {m_lp:.0f} MB; Python loop {t_py:.3f} s, {m_py:.0f} MB; "
          f"ratios: Python/full {t_py / t_full:.1f}x, Python/--fields {t_py / t_lp:.1f}x; peak/input "
          f"{m_full / mb:.1f}x (full), {m_lp / mb:.1f}x (--fields); answers agree within {worst:.1e} (relative)")
    # 10⁶ positions, CSV → CSV.
    entry, size, lev, long = book(1_000_000, rng)
    csv = tmp / "book.csv"
    with open(csv, "w") as f:
        f.write("symbol,side,size,entry_price,leverage\n")
        for e, q, v, l in zip(entry, size, lev, long):
            f.write(f"BTCUSDT,{'long' if l else 'short'},{float(q)!r},{float(e)!r},{float(v):g}\n")
    t_csv, m_csv = best([str(CLI), "eval", str(csv), "--venue", "binance-usdm", "--format", "csv"], tmp / "out.csv")
    print(f"10^6 CSV → CSV: input {csv.stat().st_size / 2**20:.0f} MB, {t_csv:.3f} s, {m_csv:.0f} MB peak RSS")
    # Python liquidation_prices on 10⁶ numpy rows.
    try:
        import leverlab
    except ImportError:
        print("leverlab Python package not installed (make test-python): skipped")
        return
    side = np.where(long, "long", "short")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        lp = leverlab.liquidation_prices(venue="binance-usdm", symbol="BTCUSDT", side=side, size=size,
                                         entry_price=entry, leverage=lev)
        times.append(time.perf_counter() - t0)
    sides = np.where(long, 1.0, -1.0)
    t_num = []
    for _ in range(5):
        t0 = time.perf_counter()
        leverlab.liquidation_prices(venue="binance-usdm", symbol="BTCUSDT", side=sides, size=size, entry_price=entry,
                                    leverage=lev)
        t_num.append(time.perf_counter() - t0)
    print(f"Python liquidation_prices, 10^6 numpy rows: {min(t_num) * 1e3:.0f} ms with side as ±1, "
          f"{min(times) * 1e3:.0f} ms with side as strings ({np.isnan(lp).sum()} without a price)")


if __name__ == "__main__":
    main()
