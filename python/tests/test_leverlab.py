"""The Python package against published figures (the same reference cases as the Rust suite,
tests/engine_reference.rs), through both ``evaluate`` and the vectorised
``liquidation_prices``; bad input raising with field paths; pandas columns."""

import json
import math
import pathlib

import numpy as np
import pandas as pd
import pytest

import leverlab

ROOT = pathlib.Path(__file__).resolve().parents[2]

# (venue, position, published liquidation price, tolerance, source). Arithmetic restated:
CASES = [
    # LP = (WB + cum − Q·EP)/(Q·MMR − Q) = (1,535,443.01 + 135,365 − 3,683.979 × 1,456.84)
    #      / (3,683.979 × 0.10 − 3,683.979) = 1,114.78
    ("binance-usdm", dict(symbol="ETHUSDT", size=3683.979, entry_price=1456.84, margin=1535443.01, mmr=0.10,
                          maint_amount=135365.0), 1114.78, 0.005, "Binance USDⓈ-M isolated ETH [FT-test-binance]"),
    # (1,535,443.01 + 16,300 − 109.488 × 32,481.98)/(109.488 × 0.025 − 109.488) = 18,778.73
    ("binance-usdm", dict(symbol="BTCUSDT", size=109.488, entry_price=32481.98, margin=1535443.01, mmr=0.025,
                          maint_amount=16300.0), 18778.73, 0.005, "Binance USDⓈ-M isolated BTC [FT-test-binance]"),
    # BTC MMR = 1/(2 × 40); margin 10,000 − MM 1,250 = 8,750; LP = 100,000 − 8,750/(1 − 0.0125)
    ("hyperliquid", dict(symbol="BTC", size=1, entry_price=100000, leverage=10), 91139.24, 0.005,
     "Hyperliquid liquidations [HL-liq]"),
    # Bybit classic account: IM 400, MM 100 at entry; LP = 20,000 − (400 − 100)/1 = 19,700
    ("bybit-classic", dict(symbol="BTCUSDT", size=1, entry_price=20000, leverage=50), 19700.0, 1e-6,
     "Bybit USDT contract [BB-USDT-LP]"),
]


def scenario(venue, position):
    return {"venue": venue, "positions": [position]}


@pytest.mark.parametrize("venue,position,want,tol,source", CASES)
def test_evaluate_gives_the_published_liquidation_price(venue, position, want, tol, source):
    r = leverlab.evaluate(scenario(venue, position))
    got = r["positions"][0]["liquidation_price"]
    assert abs(got - want) <= tol, f"{source}: got {got}, published {want}"
    model = r["models"][r["positions"][0]["model"]]
    assert model["formula"] and model["source"]


@pytest.mark.parametrize("venue,position,want,tol,source", CASES)
def test_liquidation_prices_gives_the_same_numbers(venue, position, want, tol, source):
    cols = {k: [v] for k, v in position.items()}
    lp = leverlab.liquidation_prices(venue=venue, **cols)
    assert lp.dtype == np.float64 and lp.shape == (1,)
    assert abs(lp[0] - want) <= tol, source
    assert lp[0] == leverlab.evaluate(scenario(venue, position))["positions"][0]["liquidation_price"]


def test_the_examples_reproduce_their_published_figures():
    # Binance COIN-M calculator 33,599.40 [BN-DEV-6292]; Binance USDⓈ-M cross 1,153.26 and 26,316.89.
    coinm = leverlab.evaluate(json.loads((ROOT / "examples/binance-coinm.json").read_text()))
    assert abs(coinm["positions"][0]["liquidation_price"] - 33599.40) <= 0.05
    usdm = leverlab.evaluate((ROOT / "examples/binance-usdm.json").read_text())
    assert abs(usdm["positions"][0]["liquidation_price"] - 1153.26) <= 0.005
    assert abs(usdm["positions"][1]["liquidation_price"] - 26316.89) <= 0.005


def test_a_book_of_columns_matches_evaluate_position_by_position():
    rng = np.random.default_rng(7)
    n = 500
    entry = rng.uniform(1000, 90000, n)
    book = pd.DataFrame({
        "symbol": rng.choice(["BTCUSDT", "ETHUSDT", "DOGEUSDT"], n),
        "side": rng.choice(["long", "short"], n),
        "size": rng.uniform(0.01, 300, n),
        "entry_price": entry,
        "mark_price": entry * rng.uniform(0.9, 1.1, n),
        "leverage": rng.integers(1, 100, n).astype(float),
    })
    lp = leverlab.liquidation_prices(venue="binance-usdm", **{c: book[c] for c in book.columns})
    report = leverlab.evaluate({"venue": "binance-usdm", "positions": book.to_dict("records")})
    def column(name):
        return np.array([np.nan if p[name] is None else p[name] for p in report["positions"]])

    np.testing.assert_array_equal(lp, column("liquidation_price"))
    out = leverlab.evaluate_book("binance-usdm", side=book.side, size=book["size"], entry_price=book.entry_price,
                                 mark_price=book.mark_price, leverage=book.leverage, symbol=book.symbol)
    assert set(out) == {"liquidation_price", "bankruptcy_price", "initial_margin", "maintenance_margin",
                        "distance_to_liquidation"}
    np.testing.assert_array_equal(out["bankruptcy_price"], column("bankruptcy_price"))


def test_inverse_and_scalar_columns_broadcast():
    # Bybit inverse short $60,000 @ 50,000 at 10x (examples/bybit.json): the same as evaluate.
    lp = leverlab.liquidation_prices(venue="bybit", side="short", contract="inverse", size=[60000, 60000],
                                     entry_price=50000, leverage=10, symbol="BTCUSD")
    want = leverlab.evaluate({"venue": "bybit", "positions": [
        {"symbol": "BTCUSD", "contract": "inverse", "side": "short", "size": 60000, "entry_price": 50000,
         "leverage": 10}]})["positions"][0]["liquidation_price"]
    assert list(lp) == [want, want]


def test_bad_input_raises_with_field_paths():
    with pytest.raises(leverlab.InputError) as e:
        leverlab.evaluate({"venue": "bybit", "positions": [{"size": 1, "entry_price": -3, "leverage": 5},
                                                             {"size": 0, "entry_price": 1, "leverag": 5}]})
    assert isinstance(e.value, ValueError)
    paths = [p for p, _ in e.value.errors]
    assert "positions[0].entry_price" in paths and "positions[1].size" in paths, e.value.errors
    assert "positions[0].entry_price: must be a finite number > 0" in str(e.value)
    assert any("did you mean leverage" in m for _, m in e.value.errors), e.value.errors
    with pytest.raises(ValueError) as e:
        leverlab.liquidation_prices(venue="okx", size=[1, -1, 2], entry_price=[100, 100, 0], leverage=10)
    assert "size[1]: must be a finite number > 0" in str(e.value)
    assert "entry_price[2]: must be a finite number > 0" in str(e.value)
    with pytest.raises(ValueError, match="side\\[1\\]: must be long or short"):
        leverlab.liquidation_prices(venue="okx", side=["long", "sideways"], size=[1, 1], entry_price=100, leverage=10)
    with pytest.raises(ValueError, match="unknown venue"):
        leverlab.liquidation_prices(venue="nowhere", size=[1], entry_price=[1], leverage=1)
    with pytest.raises(ValueError, match="leverage: has 1 values; `size` has 2"):
        leverlab.liquidation_prices(venue="okx", size=[1, 2], entry_price=[1, 2], leverage=[1])


def test_run_covers_every_cli_command():
    names = [n for n, _ in leverlab.commands()]
    assert {"eval", "pnl", "stress", "cascade"} <= set(names)
    s = json.loads((ROOT / "examples/okx.json").read_text())
    assert leverlab.run("eval", s) == leverlab.evaluate(s)
    pnl = leverlab.run("pnl", s, price=55000)
    assert pnl  # PnL rows of the Scenario's positions
    with pytest.raises(leverlab.InputError) as e:
        leverlab.run("pnl", s, prise=55000)
    assert "did you mean" in str(e.value)
    with pytest.raises(ValueError, match="unknown command"):
        leverlab.run("evaluate", s)


def test_no_nan_or_infinity_leaks_into_the_report():
    # A 1x long whose collateral covers the whole value: no liquidation price (null, with a note).
    r = leverlab.evaluate(scenario("generic", dict(size=1, entry_price=100, leverage=1, mmr=0)))
    p = r["positions"][0]
    assert p["liquidation_price"] is None and p["liquidation_note"]
    lp = leverlab.liquidation_prices(venue="generic", size=[1], entry_price=[100], leverage=[1], mmr=[0])
    assert math.isnan(lp[0])
