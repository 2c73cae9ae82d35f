"""leverlab: venue-exact liquidation prices, margins and risk for crypto derivatives.

The same Rust engine as the ``leverlab`` command line and the page, for Python:

* ``evaluate(scenario) -> dict``: a Scenario (dict or JSON text) in, the Report out.
* ``liquidation_prices(venue=..., side=..., size=..., entry_price=..., leverage=... or
  margin=..., symbol=...) -> numpy.ndarray``: a whole isolated book at once, columns in
  (numpy arrays, pandas columns, lists or scalars), one float64 per position out (NaN where no
  price liquidates the position).
* ``evaluate_book(...) -> dict of numpy arrays``: the same, with bankruptcy price, initial and
  maintenance margin and distance to liquidation.
* ``run(command, scenario, **options)``: any command of the CLI (``eval``, ``pnl``,
  ``stress``, ``cascade``, ...), options named as in the JS API (``shock=-0.05``).

Bad input raises ``InputError`` (a ``ValueError``) whose message lists each field path and
problem, one per line, as the CLI does; ``.errors`` holds them as ``(path, problem)`` pairs.
"""

import json

import numpy as np

from . import _leverlab

__all__ = ["evaluate", "run", "commands", "liquidation_prices", "evaluate_book", "InputError", "VENUES"]

__version__ = _leverlab.VERSION

#: The venue presets, as the Scenario's ``venue`` names them.
VENUES = tuple(_leverlab.venues())


class InputError(ValueError):
    """Invalid input: ``str(e)`` lists ``path: problem`` lines, ``e.errors`` the pairs."""

    def __init__(self, message, errors):
        super().__init__(message)
        self.errors = [tuple(e) for e in errors]


def _call(f, *args):
    try:
        return f(*args)
    except ValueError as e:
        if len(e.args) == 2 and isinstance(e.args[1], list):
            raise InputError(*e.args) from None
        raise


def _text(scenario):
    if isinstance(scenario, (str, bytes)):
        return scenario if isinstance(scenario, str) else scenario.decode("utf-8")
    try:
        return json.dumps(scenario, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise InputError(f"scenario: not JSON-compatible ({e})", [("", f"not JSON-compatible ({e})")]) from None


def evaluate(scenario):
    """The Report of a Scenario (a dict as in the JSON format, or its JSON text)."""
    return json.loads(_call(_leverlab.evaluate_json, _text(scenario)))


def run(command, scenario, **options):
    """Runs a CLI command (``leverlab.commands()`` lists them) on a Scenario with options."""
    return json.loads(_call(_leverlab.run_json, command, _text(scenario), json.dumps(options, allow_nan=False)))


def commands():
    """``[(name, summary)]`` of the commands ``run`` knows."""
    return [tuple(c) for c in _leverlab.commands()]


def _column(name, value, n):
    """A float64 column of length n (scalars broadcast; None = not given)."""
    if value is None:
        return b""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.ndim != 1:
        raise InputError(f"{name}: must be one-dimensional", [(name, "must be one-dimensional")])
    return np.ascontiguousarray(a).tobytes()


def _length(columns):
    for v in columns:
        if v is not None and not isinstance(v, (str, bytes)) and np.ndim(v) == 1:
            return len(v)
    return 1


def _book(venue, side, size, entry_price, leverage, margin, symbol, contract, mark_price, mmr, maint_amount, max_leverage, taker_fee):
    n = _length([size, entry_price, side, symbol, leverage, margin, mark_price, contract])
    # Symbols: one shared name, or a column factorised into names and uint32 codes.
    if symbol is None:
        symbols, codes = [""], b""
    elif isinstance(symbol, str):
        symbols, codes = [symbol], b""
    else:
        names, inverse = np.unique(np.asarray(symbol, dtype=object).astype(str), return_inverse=True)
        symbols, codes = [str(s) for s in names], inverse.astype(np.uint32).tobytes()
    # Sides: "long"/"short" (any case) or +1/-1.
    if side is None:
        sides = b""
    else:
        s = np.asarray(side)
        if s.dtype.kind in "OUS":
            low = np.char.lower(s.astype(str))
            bad = ~np.isin(low, ["long", "short"])
            if bad.any():
                i = int(np.flatnonzero(bad)[0]) if low.ndim else 0
                raise InputError(f"side[{i}]: must be long or short", [(f"side[{i}]", "must be long or short")])
            s = np.where(low == "long", 1.0, -1.0)
        sides = _column("side", s, n)
    if contract is None:
        contracts = b""
    else:
        c = np.asarray(contract)
        if c.dtype.kind in "OUS":
            low = np.char.lower(c.astype(str))
            c = np.select([low == "linear", low == "inverse"], [1, 2], 3)
        c = np.broadcast_to(c, (n,)) if np.ndim(c) == 0 else c
        contracts = np.ascontiguousarray(c, dtype=np.uint8).tobytes()
    out = _call(
        _leverlab.evaluate_columns_bytes,
        venue,
        symbols,
        codes,
        sides,
        contracts,
        _column("size", size, n),
        _column("entry_price", entry_price, n),
        _column("mark_price", mark_price, n),
        _column("leverage", leverage, n),
        _column("margin", margin, n),
        _column("mmr", mmr, n),
        _column("maint_amount", maint_amount, n),
        _column("max_leverage", max_leverage, n),
        _column("taker_fee", taker_fee, n),
    )
    return {k: np.frombuffer(v, dtype=np.float64) for k, v in out.items()}


def evaluate_book(venue, *, side=None, size, entry_price, leverage=None, margin=None, symbol=None, contract=None,
                  mark_price=None, mmr=None, maint_amount=None, max_leverage=None, taker_fee=None):
    """An isolated book at ``venue``, column by column (numpy arrays, pandas columns, lists or
    scalars that apply to every row; NaN in an optional column = not given for that row).

    Returns a dict of float64 arrays: ``liquidation_price``, ``bankruptcy_price``,
    ``initial_margin``, ``maintenance_margin``, ``distance_to_liquidation`` (NaN where the
    Report has null). The numbers are the Report's, position by position.
    """
    return _book(venue, side, size, entry_price, leverage, margin, symbol, contract, mark_price, mmr, maint_amount,
                 max_leverage, taker_fee)


def liquidation_prices(venue, *, side=None, size, entry_price, leverage=None, margin=None, symbol=None, contract=None,
                       mark_price=None, mmr=None, maint_amount=None, max_leverage=None, taker_fee=None):
    """Liquidation price of every position of an isolated book (see ``evaluate_book``)."""
    return _book(venue, side, size, entry_price, leverage, margin, symbol, contract, mark_price, mmr, maint_amount,
                 max_leverage, taker_fee)["liquidation_price"]
