"""The benchmark suite runs, and every gradient it checks is right: `python -m benchmarks --quick
--check-only` (which times nothing) exits 0. Peers that are not installed are skipped by the suite."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_suite_check_only():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--check-only"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + "\n" + proc.stderr[-3000:]
    assert "## Gradient checks" in proc.stdout


def test_forward_mode_benchmark_checks_its_jacobians():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.forward_mode", "--check-only"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "checked" in result.stdout
