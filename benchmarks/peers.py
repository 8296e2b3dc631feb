"""The table's columns: the function, the hand-written gradient, astgrad, and each peer.

A column prepares, for one workload, a callable and the arguments to call it with (converted to
the peer's arrays ahead of time, so the timing is of the gradient alone), plus a conversion of its
result to a tuple of NumPy arrays for the correctness check. Peers are imported lazily: a missing
one is reported, never fatal.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .ports import pure, swap
from .workloads import Workload


class Unsupported(Exception):
    """The peer cannot run this workload (no port, or a construct it does not support)."""


@dataclass
class Prepared:
    fn: Callable
    args: tuple
    to_numpy: Callable[[Any], tuple]


def as_tuple(result: Any) -> tuple:
    items = result if isinstance(result, (tuple, list)) else (result,)
    return tuple(np.asarray(g, dtype=float) for g in items)


_imported: dict[str, bool] = {}


class Column:
    name = ""
    module: str | None = None  # the package to import; None for the built-in columns
    is_gradient = True

    distribution: str | None = None  # its name on PyPI, when not the module's

    def version(self) -> str | None:
        """The installed version, or None when the package is missing (or cannot be imported)."""
        if self.module is None:
            return ""
        if self.module not in _imported:
            try:
                importlib.import_module(self.module)
                _imported[self.module] = True
            except Exception:  # ImportError, or a broken install
                _imported[self.module] = False
        if not _imported[self.module]:
            return None
        try:
            return importlib.metadata.version(self.distribution or self.module)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    def prepare(self, w: Workload, args: tuple) -> Prepared:
        raise NotImplementedError


class Function(Column):
    name = "f"
    is_gradient = False

    def prepare(self, w, args):
        return Prepared(w.f, args, lambda r: r)


class Hand(Column):
    name = "hand"

    def prepare(self, w, args):
        return Prepared(w.hand, args, as_tuple)


class Astgrad(Column):
    name = "astgrad"
    module = "astgrad"

    def prepare(self, w, args):
        import astgrad

        return Prepared(astgrad.grad(w.f, wrt=w.wrt), args, as_tuple)


class Autograd(Column):
    name = "autograd"
    module = "autograd"

    def prepare(self, w, args):
        import autograd
        import autograd.numpy as anp

        idx = w.wrt_indices()
        return Prepared(autograd.grad(swap(pure(w), anp), idx if len(idx) > 1 else idx[0]), args, as_tuple)


def _jax():
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax

    jax.config.update("jax_enable_x64", True)  # float64, like the NumPy code it is compared with
    return jax


def _jax_args(args: tuple) -> tuple:
    import jax.numpy as jnp

    return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)


class JaxEager(Column):
    name = "jax"
    module = "jax"

    def prepare(self, w, args):
        jax = _jax()
        import jax.numpy as jnp

        g = jax.grad(swap(pure(w), jnp), argnums=w.wrt_indices())
        return Prepared(lambda *a: jax.block_until_ready(g(*a)), _jax_args(args), as_tuple)


class JaxJit(Column):
    name = "jax.jit"
    module = "jax"

    def prepare(self, w, args):
        jax = _jax()
        import jax.numpy as jnp

        from .ports_jax import JIT_PORTS

        idx = w.wrt_indices()
        fn = JIT_PORTS.get(w.f.__name__) or swap(pure(w), jnp)
        # Python numbers that are not differentiated (hyperparameters, sizes) are compile-time constants
        static = tuple(i for i, a in enumerate(args) if i not in idx and isinstance(a, (int, float)))
        g = jax.jit(jax.grad(fn, argnums=idx), static_argnums=static)
        return Prepared(lambda *a: jax.block_until_ready(g(*a)), _jax_args(args), as_tuple)


class Tangent(Column):
    name = "tangent"
    module = "tangent"
    distribution = "tangent-ad"

    def prepare(self, w, args):
        import tangent

        idx = w.wrt_indices()
        # tangent has rules for NumPy's functions, not math's: math.sin is given to it as np.sin
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its generated code trips SyntaxWarnings
            g = tangent.grad(swap(pure(w), np), wrt=idx, verbose=0)
        return Prepared(g, args, as_tuple)


class Torch(Column):
    name = "torch"
    module = "torch"

    def prepare(self, w, args):
        import torch

        from .ports_torch import PORTS
        from .threads import torch_threads

        torch_threads(torch)
        port = PORTS.get(w.f.__name__)
        if port is None:
            raise Unsupported("no torch port of this workload")
        idx = w.wrt_indices()
        targs: list[Any] = []
        for i, a in enumerate(args):
            if i in idx:
                t = torch.tensor(np.asarray(a, dtype=float), dtype=torch.float64)
                targs.append(t.requires_grad_(True))
            elif isinstance(a, np.ndarray):
                targs.append(torch.from_numpy(a))
            else:
                targs.append(a)
        leaves = [targs[i] for i in idx]

        def torch_grad(*a):
            return torch.autograd.grad(port(*a), leaves)

        return Prepared(torch_grad, tuple(targs), lambda r: tuple(t.detach().numpy() for t in r))


COLUMNS: list[Column] = [Function(), Hand(), Astgrad(), Autograd(), JaxEager(), JaxJit(), Tangent(), Torch()]
PEERS = [c for c in COLUMNS if c.module not in (None, "astgrad")]


def _git_describe() -> str:
    """astgrad's commit (and whether the work tree has changes), when it is a git checkout."""
    import subprocess

    import astgrad

    here = os.path.dirname(os.path.dirname(os.path.abspath(astgrad.__file__)))
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.stdout.strip() or "?"
