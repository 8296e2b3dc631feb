"""The fuzzer: random programs (tests/fuzz/program_generator.py), written to real files, imported,
and differentiated in reverse and forward mode; both gradients must agree with central
differences and with each other, or astgrad must refuse the program with a TransformError when
the gradient is generated.

The normal run checks a fixed, derandomized set of examples. More, opt-in:

    ASTGRAD_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py                         # same seed, more examples
    ASTGRAD_FUZZ_EXAMPLES=500 ASTGRAD_FUZZ_SEED=7 pytest tests/test_fuzz.py      # another seed
    ASTGRAD_FUZZ_LOG=fuzz.jsonl ...                                               # one line per example
    ASTGRAD_FUZZ_KEEP_GOING=1 ASTGRAD_FUZZ_LOG=fuzz.jsonl ...   # log failures instead of stopping at one
    python -m tests.fuzz.minimize fuzz.jsonl                                      # shrink the logged failures
    pytest tests/test_fuzz.py --hypothesis-show-statistics                       # refusal / rejection counts

Inputs where central differences cannot be trusted are rejected (hypothesis.assume), not
failed: a non-finite or huge value, a kink (a data comparison, abs, max, clip, ... whose margin
at the input is below MARGIN, see Program.margin), or central differences at two step sizes that
disagree. Every failure the fuzzer finds is kept in tests/fuzz_regressions.py.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, note, seed, settings
from hypothesis import strategies as st

from astgrad import GradientCheckError, check_grad, numerical_grad
from tests.fuzz.harness import WRT, check_function, load_module, unload
from tests.fuzz.program_generator import PRELUDE, Program, programs, unprobe

EXAMPLES = int(os.environ.get("ASTGRAD_FUZZ_EXAMPLES", "100"))
SEED = os.environ.get("ASTGRAD_FUZZ_SEED")
LOG = os.environ.get("ASTGRAD_FUZZ_LOG")
KEEP_GOING = bool(os.environ.get("ASTGRAD_FUZZ_KEEP_GOING"))  # log failures and go on (bug hunting)
MARGIN = 1e-3

# hypothesis likes 0.0 and +-2.0; an offset keeps elements apart and off round thresholds
X_OFFSET = np.array([0.0137, -0.0219, 0.0311])
S_OFFSET = 0.0173

inputs = st.tuples(
    st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3),
    st.floats(-2.0, 2.0),
    st.integers(0, 4),
)


def _log(**record) -> None:
    if LOG:
        with open(LOG, "a") as out:
            out.write(json.dumps(record) + "\n")


def _trustworthy(f, args) -> bool:
    """Whether central differences at args are a reliable reference."""
    with np.errstate(all="ignore"):
        value = f(*args)
        if not (np.isfinite(value) and abs(value) < 1e6):
            event("rejected: value not finite or huge")
            return False
        fine = numerical_grad(f, *args, wrt=WRT)
        coarse = numerical_grad(f, *args, wrt=WRT, eps=1e-5)
    for a, b in zip(fine, coarse):
        if not np.all(np.isfinite(a)) or not np.allclose(a, b, rtol=1e-3, atol=1e-5):
            event("rejected: step sizes disagree")
            return False
    return True


def _settings(test):
    test = settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        print_blob=True,
        # no explain phase: it writes .hypothesis/patches and traces every line (slow)
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        report_multiple_bugs=False,
    )(test)
    return seed(int(SEED))(test) if SEED is not None else test


def _check_program(program, data, outcomes: Counter) -> None:
    xs, s, n = data
    args = (np.array(xs) + X_OFFSET, s + S_OFFSET) + ((n,) if program.has_n else ())
    with np.errstate(all="ignore"):
        margin = program.margin(*args)
    if margin < MARGIN:
        event("rejected: near a kink")
        assume(False)
    note(f"program:\n{program.source}\nf{args!r}")
    module = load_module(program.source)
    try:
        f = module.f
        assume(_trustworthy(f, args))
        try:
            refused = check_function(f, args)
        except Exception as exc:
            _log(
                outcome="fail",
                error=f"{type(exc).__name__}: {exc} {getattr(exc, '__notes__', '')}"[:2000],
                source=program.source,
                probed=program.probed,
                args_json=[a.tolist() if isinstance(a, np.ndarray) else a for a in args],
            )
            if KEEP_GOING:
                event("FAILED: " + type(exc).__name__)
                outcomes["failed"] += 1
                return
            raise
        for message in refused:
            event("refused: " + message.splitlines()[0][:100])
        outcomes["refused" if refused else "ok"] += 1
        _log(outcome="refused" if refused else "ok", refused=refused, source=program.source if refused else None)
    finally:
        unload(module)


def test_generated_programs():
    outcomes: Counter = Counter()

    @_settings
    @given(program=programs(), data=inputs)
    def check(program, data):
        _check_program(program, data, outcomes)

    check()
    # the generator is meant to produce programs astgrad supports: refusals must stay rare
    checked = sum(outcomes.values())
    assert checked >= EXAMPLES // 2, f"too few examples were checked: {dict(outcomes)}"
    assert outcomes["refused"] <= 0.2 * checked, f"too many TransformErrors: {dict(outcomes)}"


# -- the oracle itself


def test_probes_become_the_operations_they_stand_for():
    text = "def f(x, s):\n    return _maximum(x, 0.5) if _gt(np.sum(x), s) else _pyabs(s)\n"
    assert unprobe(text).strip().endswith("return np.maximum(x, 0.5) if np.sum(x) > s else abs(s)")


def test_margin_is_the_distance_to_the_nearest_kink():
    program = Program(
        PRELUDE + "\n\ndef f(x, s):\n    if _gt(np.sum(x), 0.23):\n        return s\n    return _pyabs(s - 1.0)\n",
        has_n=False,
    )
    assert program.margin(np.array([0.1, 0.1, 0.0]), 0.5) == pytest.approx(0.03)  # |0.2 - 0.23|
    assert program.margin(np.array([0.1, 0.1, 1.0]), 0.5) == pytest.approx(0.97)
    assert program.margin(np.array([0.0, 0.0, 0.0]), 0.9) == pytest.approx(0.1)  # |s - 1|


def test_a_wrong_gradient_is_caught():
    module = load_module(PRELUDE + "\n\ndef f(x, s):\n    return np.sum(x * x) * s\n")
    try:
        wrong = lambda x, s: (x * s, np.sum(x * x))  # d/dx is 2 x s
        with pytest.raises(GradientCheckError):
            check_grad(module.f, wrong, np.array([0.3, -0.6, 0.9]), 0.5, wrt=WRT)
        assert check_function(module.f, (np.array([0.3, -0.6, 0.9]), 0.5)) == []
    finally:
        unload(module)
