"""Baseline for the README's book figures: a plain Python loop of Binance USDⓈ-M's isolated
liquidation formula with its BTCUSDT brackets, on the same JSON Scenario `leverlab eval` reads.

    python3 benches/py_loop.py book.json > out.json

Per position: LP = (C + cum − side·Q·EP) / (Q·MMR − side·Q), C = Q·EP / leverage, with the
bracket at the LP's notional, re-solved when the LP lands in another bracket (Binance
"Liquidation price" FAQ [BN-USDM-LP], bracket re-solve [BN-COINM-LP]). Writes
[{symbol, liquidation_price}] as JSON. Brackets: the 2024-10-24 BTCUSDT snapshot leverlab
ships (src/engine/tables.rs).
"""

import json
import sys

# (floor notional, MMR, maintenance amount)
BRACKETS = [
    (0.0, 0.004, 0.0), (50_000.0, 0.005, 50.0), (600_000.0, 0.0065, 950.0), (3_000_000.0, 0.01, 11_450.0),
    (12_000_000.0, 0.02, 131_450.0), (70_000_000.0, 0.025, 481_450.0), (100_000_000.0, 0.05, 2_981_450.0),
    (230_000_000.0, 0.10, 14_481_450.0), (480_000_000.0, 0.125, 26_481_450.0), (600_000_000.0, 0.15, 41_481_450.0),
    (800_000_000.0, 0.25, 121_481_450.0), (1_200_000_000.0, 0.50, 421_481_450.0),
]


def bracket(notional):
    k = 0
    for i, (floor, _, _) in enumerate(BRACKETS):
        if floor <= notional:
            k = i
        else:
            break
    return k


def liquidation_price(side, q, ep, collateral):
    k = bracket(q * ep)
    for _ in range(len(BRACKETS) + 1):
        _, mmr, cum = BRACKETS[k]
        lp = (collateral + cum - side * q * ep) / (q * mmr - side * q)
        if lp <= 0:
            return None
        k2 = bracket(q * lp)
        if k2 == k:
            return lp
        k = k2
    return lp


def main(path):
    with open(path) as f:
        scenario = json.load(f)
    out = []
    for p in scenario["positions"]:
        side = 1.0 if p.get("side", "long") == "long" else -1.0
        q, ep = p["size"], p["entry_price"]
        out.append({"symbol": p.get("symbol", ""), "liquidation_price": liquidation_price(side, q, ep, q * ep / p["leverage"])})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
