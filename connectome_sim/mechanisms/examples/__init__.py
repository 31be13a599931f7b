"""Worked examples of user-defined channels (see :mod:`.a_type_k`)."""

from .a_type_k import A_TYPE_K

__all__ = ["A_TYPE_K"]
