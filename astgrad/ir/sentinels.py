"""Sentinels shared by the passes."""

MISSING = object()  # what a name resolves to when it denotes nothing (no global, closure cell or builtin)
