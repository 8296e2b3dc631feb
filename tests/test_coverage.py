"""docs/coverage.md is what the registry generates (regenerate: python -m astgrad.rules.coverage)."""

import pytest

from astgrad.rules import coverage


def test_the_committed_coverage_table_is_up_to_date():
    pytest.importorskip("scipy")  # (the committed table lists SciPy's rules too)
    committed = coverage.TABLE.read_text()
    if f"with {coverage.versions()}." not in committed:
        pytest.skip(f"the table was generated with other library versions than {coverage.versions()}")
    assert committed == coverage.generate(), "run: python -m astgrad.rules.coverage"


def test_the_table_lists_the_fixed_rules_with_their_parameters():
    text = coverage.generate()
    assert "| `np.clip` | `a`, `a_max`, `a_min` |" in text
    assert "| `np.quantile` | `a` | `axis`, `overwrite_input`, `method`, `keepdims` | `q`, `out`" in text
    assert "| `np.fix` | piecewise constant" in text
