"""The exception of input that has the wrong type, as opposed to a bug.

A ``TypeError`` raised inside distgnn is a bug and keeps its traceback; data a user
handed in (an edge file of floats, a mask that is not boolean) raises
:class:`InputTypeError`, a ``TypeError`` that the command line reports in one line.
"""
from __future__ import annotations

__all__ = ["InputTypeError"]


class InputTypeError(TypeError):
    """Input data of the wrong type; the message names what was expected and what came."""
