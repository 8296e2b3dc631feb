"""Programs the fuzzer (tests/test_fuzz.py) found astgrad getting wrong, minimized.

Each is checked by tests/test_fuzz_regressions.py exactly as the fuzzer checks a generated
program: reverse and forward mode against central differences and against each other. REGRESSIONS
lists `(function, args, reason)`; a non-empty reason marks a bug not fixed yet (the test is then
xfail(strict=True), so fixing the bug makes it fail until the reason is removed). The REASON_*
texts record what each fixed bug was.

The signature is the fuzzer's: `f(x, s)` with x of shape (3,) and a float s, gradient w.r.t. both.
"""

from __future__ import annotations

import numpy as np

C = np.array([0.7, -0.4, 0.25])
X = np.array([0.3, -0.6, 0.9])


# -- 1. `slice(1)` for `x[1:]` -----------------------------------------------------------------


def slice_from_read_and_whole_read(x, s):
    u = x[1:]
    return np.mean(u) + np.mean(x) * s


# -- 2. helpers whose backward pass reads a parameter it never restored --------------------------


def _constant_helper(p, q):
    return 0.5


def call_helper_with_constant_result(x, s):
    a = _constant_helper(x, 1.3)
    return a + s * np.sum(x)


def _identity_helper(p, q):
    return p


def call_helper_ignoring_a_parameter(x, s):
    v = _identity_helper(x, s)
    return np.sum(v) * s


# -- 3. forward mode: a tangent not broadcast to its value's shape ------------------------------


def broadcast_constant_plus_active_scalar(x, s):
    return np.sum(C + s) + np.sum(x)


def broadcast_constant_plus_active_sum(x, s):
    u = np.ones(2) + np.sum(x)
    return np.sum(u) * s


def broadcast_constant_plus_active_scalar_then_matmul(x, s):
    v = np.ones(3) + s
    return v @ x


# -- 4. a slice read is a view; a later in-place write to its base changes it -------------------


def slice_read_overlapping_slice_write(x, s):
    b = np.copy(x)
    b[:2] = np.cos(b[1:])
    return np.sum(b * C) + s


def slice_augmented_multiply(x, s):
    b = np.ones(3)
    b[1:3] *= x[1]
    return np.sum(b * x) + s


def slice_augmented_subtract_reading_overlap(x, s):
    b = 0.5 * x
    b[:2] -= np.sin(b[-2:])
    return np.sum(b) * s


def slice_read_then_item_write(x, s):
    b = np.ones(3)
    t = np.sum(x[:2] * b[-2:])
    b[1] = 3.0
    return t * s + np.sum(b * x)


def reversed_view_then_item_write(x, s):
    b = np.copy(x)
    t = np.sum(b[::-1] * x)
    b[0] = 0.5
    return t * s + np.sum(b)


# -- 5. self-assignment `v = v` in a branch or loop ------------------------------------------------


def self_assignment_in_else(x, s):
    if s > 10.0:
        pass
    else:
        x = x
    return np.sum(x) * s


def self_assignment_in_loop(x, s):
    for _i in range(2):
        s = s
    return s * np.sum(x)


# -- 6. `and` / `or` inside a loop: the tape is pushed conditionally, popped twice ---------------


def and_condition_in_for(x, s):
    for i in range(3):
        if i > 0 and s > 0.0:
            x = x * s
    return np.sum(x)


def or_condition_in_for(x, s):
    for i in range(3):
        if i == 1 or s < 0.0:
            x = np.sin(x) * s
    return np.sum(x)


def and_condition_on_data_in_for(x, s):
    for i in range(3):
        if x[i] > 0.0 and s > 0.0:
            s = s * x[i]
    return np.sum(x) * s


def or_condition_continue_in_while(x, s):
    j = 0
    while j < 1:
        j += 1
        if j < 3 or s > 0.0:
            continue
        s = s * 2.0
    return s + np.sum(x)


def ternary_of_constants_in_for(x, s):
    for i in range(2):
        s = s * (0.7 if i < 1 else 1.3)
    return s * np.sum(x)


# -- 7. iterating over a name that was reassigned before the loop ----------------------------------


def reassigned_then_iterated(x, s):
    x = x * 2.0
    for e in x:
        s = s * e
    return s


def augmented_array_then_zip(x, s):
    b = np.zeros_like(x)
    b -= 0.25
    for _e, _g in zip(b, b):
        pass
    return s * np.sum(x)


REASON_SLICE = (
    "templates.as_value trims trailing None parts of a slice down to one argument: x[1:] becomes "
    "slice(1), i.e. x[:1], in unindex(..., slice(1)); keep at least (lower, upper)"
)
REASON_HELPER = (
    "the generated <helper>_bwd ends with zeros_like(p) for a parameter whose adjoint is zero, but "
    "p is a parameter of <helper>_fwd only, never pushed on the tape: NameError in <helper>_bwd"
)
REASON_BROADCAST = (
    "forward mode: the tangent of `a + b` where only the scalar b is active is b_dot itself, not "
    "broadcast to the shape of a + b (the optimizer then forwards u_dot = t_dot); np.sum of it "
    "undercounts (silent wrong gradient) and @ with it fails"
)
REASON_VIEW = (
    "normalization reads the slice into a temporary (t = b[...]), which is a view of b; the "
    "following in-place write b[...] = ... changes it, and the backward pass reads the changed "
    "values (silent wrong gradient): the read must be copied, or the write must save it"
)
REASON_SELF = (
    "`v = v` not in straight-line code: the adjoint is emitted as v_bar = v_bar + v_bar; "
    "v_bar = zeros_like(v) (source and target adjoints are the same name), so the adjoint is lost "
    "(silent wrong gradient: zero)"
)
REASON_BOOLOP = (
    "a short-circuit `and`/`or` (or a ternary with constant branches) inside a loop is normalized to "
    "t = a; if (not) t: t = b (resp. if c: t = 0.7 else: t = 1.3), pushing t on the tape inside a "
    "branch, but the backward pass pops it once per assignment, unconditionally: IndexError (pop from "
    "empty list), or it pops other saved values (TypeError, ValueError, wrong branch taken)"
)
REASON_ITERATE = (
    "`for e in v` after v was reassigned (SSA-renamed v_1): the lowered index loop refers to `v_1`, "
    "which normalization did not define there; the TransformError ('the name `v_1` is not defined') "
    "is taken by api._operator for a name defined later in the module, so it is raised at the first "
    "call instead of at transform time, and it is an internal error, not a refusal"
)

# -- 8. return inside a while loop inside an if ------------------------------------------------------


def return_in_while_in_if(x, s):
    b = x
    if s < 10.0:
        j = 0
        while j < 3:
            j += 1
            return np.sum(b) * s
    return 0.5


# -- 9. a parameter overwritten in a loop, with no adjoint -----------------------------------------


def parameter_overwritten_by_constant_in_loop(x, s):
    for _i in range(2):
        x = 0.5  # noqa: F841
    return s


def parameter_overwritten_by_constant_in_while(x, s):
    j = 0
    while j < 2:
        j += 1
        x = 0.5  # noqa: F841
    return s * 2.0


def broadcast_tangent_in_while(x, s):
    j = 0
    while j < 3:
        j += 1
        x = x @ x - C
    return np.sum(x) * s


def broadcast_tangent_then_fancy_index(x, s):
    b = (s + C)[[2, 0]]
    return np.sum(b) * np.sum(x)


def broadcast_tangent_of_augmented_array(x, s):
    b = np.ones(3)
    b -= x[1]
    u = b[[2, 0]].copy()
    return np.sum(u) * s


# -- 10. aliasing is tracked per source name, not per value ------------------------------------------


def fancy_index_rebound_to_view_then_write(x, s):
    b = 0.5 * x
    u = b[[2, 0]]
    u = x[::2]
    b[0] = s
    return np.sum(u) * s + np.sum(b)


# -- 11. return in a nested if, then a reassignment ----------------------------------------------------


def return_in_nested_if_then_reassign(x, s):
    b = x * 0.5
    if s > 10.0:
        if s > 20.0:
            return np.sum(b)
    b = b / 1.5
    return np.sum(b) * s


def return_in_nested_if_then_augmented(x, s):
    b = x * 0.5
    if s > 10.0:
        if s > 20.0:
            return np.sum(b)
    b /= 1.5
    return np.sum(b) * s


REASON_ALIAS_NAME = (
    "the alias analysis works on source names, not SSA values: `u = b[[2, 0]]` (a copy, fancy "
    "indexing) is still taken as possibly a view of b, and the check is kept for the later "
    "`u = x[::2]` (u_1), where check_not_view raises because u_1 is a view (of x, which nobody "
    "writes): a valid program is refused at run time with ValueError"
)
REASON_NESTED_RETURN = (
    "restructuring `return` in an if nested in an if moves the statements after the outer if into "
    "both branches, but the copy in the outer else is renamed against the first copy: "
    "`b_2 = b_1 / 1.5` where b_1 is only defined in the other branch: UnboundLocalError in both modes"
)

# -- 12. np.prod with a zero element ------------------------------------------------------------------


def prod_with_a_zero_element(x, s):
    return np.prod(x) * s


REASON_PROD_ZERO = (
    "the rules for np.prod divide the product by each element (reverse: unreduce(out_bar * out, x) "
    "/ x; forward: sum(x_dot * out / x)), so an element equal to 0 gives 0/0 = nan, in both modes, "
    "where the derivative is the product of the other elements (-0.27 here); a zero is an ordinary "
    "value of a smooth function, e.g. an np.zeros buffer"
)

# -- 13. found on 4adee56 -------------------------------------------------------------------------------


def elif_branch_without_effect(x, s):
    if s < -10.0:
        s = s + 0.5
    elif s < 10.0:
        u = x  # noqa: F841
    return s * np.sum(x)


def return_in_for_then_return_in_if(x, s):
    if s < 10.0:
        for _i in range(3):
            return 0.5 * np.sum(x)
        return s
    return s


def augmented_array_while_iterating_over_it(x, s):
    b = 0.5 * x
    for e in b:
        b += e * s
    return np.sum(b)


REASON_EMPTY_ELSE = (
    "reverse mode: the backward pass of an if/elif whose elif branch has no adjoint work (u = x, u "
    "unused) is generated with an empty `else:` block: IndentationError when compiling the "
    "generated code, reported as TransformError('astgrad failed to transform ...: this is a bug in astgrad')"
)
REASON_RETURN_FOR = (
    "restructuring a `return` inside a for loop inside an if, followed by another return in the if: "
    "normalization gives `if returned: out = s else: out = s`, overwriting the value returned from "
    "the loop: wrong value and gradient (zero for x) in both modes"
)
REASON_ITERATED_AUGMENTED = (
    "`b += ...` on an array is an in-place write in Python, so the loop `for e in b` sees the new "
    "values of b; astgrad lowers the loop to reads of the array it started with (t1 = b) and "
    "treats `b += ...` as rebinding b to a new array, so later iterations read stale elements: "
    "wrong value and gradient in both modes, silently (an explicit alias `c = b; b += s` is refused)"
)

# -- 14. found on 72da6dc -------------------------------------------------------------------------------


def ternary_alias_then_write(x, s):
    b = 0.5 * x
    b[:] = np.cos(b if s > 0.0 else x)
    return np.sum(b)


def for_else_break_then_condition(x, s):
    for e in x:  # noqa: B007 (e is read after the loop)
        for _i in range(1, 1):
            pass
        else:
            break
        a = s > 0.0 and s < 10.0  # noqa: F841
    return s * e


def _reassigns_its_parameter_in_a_loop(p, q):
    j = 0
    while j < 1:
        j += 1
        q = q - 0.25
    return 2.0


def call_helper_reassigning_its_parameter_in_a_loop(x, s):
    return s / _reassigns_its_parameter_in_a_loop(x, x[2])


REASON_TERNARY_ALIAS = (
    "`b if c else x` is the array b itself (an alias), and b[:] = ... then overwrites it; the "
    "backward pass of np.cos reads the alias, i.e. the new values: silent wrong gradient (reverse). "
    "A ternary result is not treated as a possible alias of its branches, as a plain `t = b` is"
)
# -- 15. found with specialisation (1a) ------------------------------------------------------------


def matmul_result_unused_on_a_path(x, s):
    b0 = x * 1.0
    if s > 0.0:  # taken: u0 is used below only on the other path
        u0 = (x / (1.5 + x**2)) @ np.array([[0.3, -0.5], [0.6, 0.2], [-0.4, 0.1]])
        if s > 10.0:
            return np.sum(np.cos(u0)) + s
    return b0 @ C + np.sin(s)


REASON_UNUSED_MATMUL = (
    "u0's adjoint is the scalar zero 0.0 on the path that does not use u0; matmul_left(0.0, a, B) "
    "with a vector a took np.dot(B, 0.0), a (3, 2) array, for a's adjoint: broadcasting error"
)


def _saving_helper(p, q):
    return np.sin(q) * np.sum(p)


def call_helper_whose_result_is_overwritten(x, s):
    for _ in range(2):
        t = _saving_helper(x, s)  # its forward function saves q for its backward...
        t = 0.5  # ...which never runs: t's value is overwritten unused
        s = s * t
    return np.sum(x) * s


REASON_UNUSED_HELPER = (
    "the helper's forward function pushed its residuals, but its backward function was never called "
    "(the result's adjoint is zero), so the caller's later pops read them: TypeError or wrong values"
)


def _sine_helper(p, q):
    return np.sin(p) * q


def helper_argument_written_in_place_after_the_call(x, s):
    b = np.copy(x)
    b[:] = np.cos(_sine_helper(b, s))  # the helper's tape holds b, which this line then overwrites
    return np.sum(b * C) + np.sum(x)


REASON_HELPER_ARGUMENT = (
    "the helper's forward function saved its parameter p, the caller's array b itself; the caller "
    "then wrote into b and, seeing no read of b in its own backward pass, never put it back, so the "
    "helper's backward read the new values: silent wrong gradient (reverse)"
)

# -- 18. found with specialisation (5a) ------------------------------------------------------------


def quotient_then_written_in_place(x, s):
    b0 = np.zeros_like(x) + x
    if s < 1.0:
        b0 /= 1.5 + s**2  # t = b0 / c; b0 = t: the same array
        b0[1:3] += 0.5  # ...written in place: t changes too
    return np.sum(b0**2) + s


REASON_SHARED = (
    "`b0 /= c` is `t = b0 / c; b0 = t`, so the write `b0[1:3] += 0.5` changes t, which the adjoint "
    "of the division reads; b0 was put back only because another statement read b0 itself, and the "
    "specialised code, reading b0's shape from the facts, did not: silent wrong gradient"
)


def _global_view_helper(p, q):
    return np.tanh(C[:2] @ p[1:]) * q


def helper_reading_a_view_of_a_global(x, s):
    return _global_view_helper(x, s) + s * np.sum(x)


REASON_GLOBAL_VIEW = (
    "`C[:2]` (C a global array) is a view of C, so the helper's backward reading it counted as a read "
    "of C; C was then handed over as a residual and initialised as a local `C = None` in the forward "
    "function: TypeError (reverse)"
)

# -- 20. found by an adversarial review ------------------------------------------------------------


def parameter_rebound_in_a_loop_then_written(x, s):
    for _ in range(2):
        x = s * x
        x[0] = 0.3  # a write into x: the parameter is copied first
    return np.sum(x * C)


def parameter_rebound_in_a_while_then_written(x, s):
    k = 0
    while k < 2:
        x = np.sin(x) * s
        x[1] = s
        k += 1
    return np.sum(x * C)


REASON_PARAMETER_COPY = (
    "the copy of a parameter the function writes into became a new name read everywhere after it, "
    "also in the loop, where the parameter is rebound: every iteration started again from the copy, "
    "so the forward value itself and the gradient were wrong"
)


def write_with_a_repeated_index(x, s):
    y = x * 1.0
    y[[1, 1]] = y[[1, 1]] * s  # element 1 written twice: the last write stays
    return np.sum(y**2)


REASON_REPEATED_INDEX = (
    "the adjoint of the values written by `y[[1, 1]] = v` gave y_bar[1] to both entries of v, so "
    "the element written twice counted twice: silent wrong gradient (2x), reverse mode"
)


def branch_left_with_comments_only(x, s):
    b0 = np.zeros_like(x)
    b1 = np.copy(x)
    c = -0.7 / (1.5 + -(0.7**2)) > 0.58 or 1.3 < -1.07
    v0 = np.where(
        np.abs(x) > -0.17,
        (b0 if np.maximum(1.3, 1.3) < -0.61 or np.sin(b0 @ x) > -1.07 else C) if c else np.tanh(b1 * s),
        np.reciprocal(1.5 + np.maximum(s, 1.3) ** 2),
    )
    b1[1:3] = np.sin(np.where(b0 < 0.58, b0, x)[[2, 0]])
    j0 = 0
    while j0 < 3 and s < 1.13:
        j0 += 1
        x = v0
    b1[j0 % 3] = np.tanh(float(j0))
    return np.mean(np.sin(b0)) + b1 @ C + s + v0 @ C + np.mean(np.sin(x))


def return_in_for_and_in_its_else(x, s):
    for _ in range(2):
        x = np.cos(x)
        if s > 0.58:
            return s
    else:
        if np.sum(x) < 1.13:
            return np.sin(s)
    return 0.7 * s


REASON_FOR_ELSE_RETURN = (
    "a for loop whose body returns (returned = True) and whose else-clause returns too: the "
    "`if returned: ... else: <rest>` guard went after the else-clause, so the rest (`out = 0.7 * s`) "
    "ran after the else-clause's return and overwrote its value: wrong value and silent wrong "
    "gradient, in the general code too (fuzz seed 207)"
)

REASON_EMPTY_BRANCH = (
    "copy propagation inside blocks moved every statement out of one branch of the specialised "
    "backward pass, leaving `if t4:` followed by comments only: IndentationError, so the code "
    "silently fell back to the general code"
)

REASON_DEAD_AFTER_BREAK = (
    "the inner `for ... else: break` always breaks, so the statements after it never run and push "
    "nothing, but the backward pass still pops for them (t3 = pop(tape)): IndexError"
)
REASON_HELPER_ZERO = (
    "a helper whose parameter q is reassigned in a loop and has a zero adjoint: <helper>_bwd returns "
    "`q_zero`, a name it never defines: NameError (reverse mode)"
)

REASON_OVERWRITTEN = (
    "the zero gradient of a parameter reassigned in a loop is returned as zeros_like(x) at the end "
    "of the backward pass, where x holds the last value the loop gave it (0.5), not the argument: "
    "gradient of shape () for an argument of shape (3,)"
)

REASON_RETURN = (
    "normalization of `return` in a while loop nested in an if: the loop becomes "
    "`returned = True; break`, then `if returned: pass`, and the statements after the if (`out = 0.5`) "
    "are not guarded by `returned`, so the generated code returns the later value: wrong value and "
    "gradient (zero), in reverse and forward mode"
)

REGRESSIONS = [
    (slice_from_read_and_whole_read, (X, 0.5), ""),
    (call_helper_with_constant_result, (X, 0.5), ""),
    (call_helper_ignoring_a_parameter, (X, 0.5), ""),
    (broadcast_constant_plus_active_scalar, (X, 0.5), ""),
    (broadcast_constant_plus_active_sum, (X, 0.5), ""),
    (broadcast_constant_plus_active_scalar_then_matmul, (X, 0.5), ""),
    (slice_read_overlapping_slice_write, (X, 0.5), ""),
    (slice_augmented_multiply, (X, 0.5), ""),
    (slice_augmented_subtract_reading_overlap, (X, 0.5), ""),
    (slice_read_then_item_write, (X, 0.5), ""),
    (reversed_view_then_item_write, (X, 0.5), ""),
    (self_assignment_in_else, (X, 0.5), ""),
    (self_assignment_in_loop, (X, 0.5), ""),
    (and_condition_in_for, (X, 0.5), ""),
    (or_condition_in_for, (X, 0.5), ""),
    (and_condition_on_data_in_for, (X, 0.5), ""),
    (or_condition_continue_in_while, (X, 0.5), ""),
    (ternary_of_constants_in_for, (X, 0.5), ""),
    (reassigned_then_iterated, (X, 0.5), ""),
    (augmented_array_then_zip, (X, 0.5), ""),
    (return_in_while_in_if, (X, 0.5), ""),
    (parameter_overwritten_by_constant_in_loop, (X, 0.5), ""),
    (parameter_overwritten_by_constant_in_while, (X, 0.5), ""),
    (broadcast_tangent_in_while, (np.array([0.3, -0.2, 0.4]), 0.5), ""),
    (broadcast_tangent_then_fancy_index, (X, 0.5), ""),
    (broadcast_tangent_of_augmented_array, (X, 0.5), ""),
    (fancy_index_rebound_to_view_then_write, (X, 0.5), REASON_ALIAS_NAME),
    (prod_with_a_zero_element, (np.array([0.0, -0.6, 0.9]), 0.5), ""),
    (return_in_nested_if_then_reassign, (X, 0.5), ""),
    (return_in_nested_if_then_augmented, (X, 0.5), ""),
    (elif_branch_without_effect, (X, 0.5), ""),
    (return_in_for_then_return_in_if, (X, 0.5), ""),
    (augmented_array_while_iterating_over_it, (X, 0.5), "refused: while a loop iterates over it"),
    (ternary_alias_then_write, (X, 0.5), ""),
    (for_else_break_then_condition, (X, 0.5), ""),
    (call_helper_reassigning_its_parameter_in_a_loop, (X, 0.5), ""),
    (matmul_result_unused_on_a_path, (X, 0.5), ""),
    (call_helper_whose_result_is_overwritten, (X, 0.5), ""),
    (helper_argument_written_in_place_after_the_call, (X, 0.5), ""),
    (quotient_then_written_in_place, (X, 0.5), ""),
    (helper_reading_a_view_of_a_global, (X, 0.5), ""),
    (parameter_rebound_in_a_loop_then_written, (X, 0.5), ""),
    (parameter_rebound_in_a_while_then_written, (X, 0.5), ""),
    (write_with_a_repeated_index, (X, 0.5), ""),
    (branch_left_with_comments_only, (np.array([-0.0894, -0.0342, 0.0311]), 0.0173), ""),
    (return_in_for_and_in_its_else, (np.array([0.1, 0.2, 0.3]), 0.0173), ""),
]
