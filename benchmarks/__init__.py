"""astgrad's benchmark suite: `python -m benchmarks` (see benchmarks/run.py).

Times each workload's function, a hand-written NumPy gradient, astgrad's gradient and every
installed peer (autograd, JAX eager and jit, tangent-ad, PyTorch), after checking each gradient.
"""
