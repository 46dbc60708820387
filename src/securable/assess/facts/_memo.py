"""``fact``: a cached, thread-safe property for the facts of a target view.

Checks of one run share one view and run on several threads. ``functools.cached_property``
computes a value once per instance but, on Python 3.11, behind one lock for *every* instance of
the class, and from 3.12 without a lock at all (two threads may compute the same fact twice).
A fact is computed once per view, and a slow fact blocks only the checks that ask for *that*
fact: each (view, fact) pair has its own lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

__all__ = ["fact"]

V = TypeVar("V")
_guard = threading.Lock()


class fact(Generic[V]):
    """Decorate a method of a view to make it a computed-once attribute."""

    def __init__(self, compute: Callable[[Any], V]) -> None:
        self._compute = compute
        self.__doc__ = compute.__doc__
        self._name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> fact[V]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> V: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> V | fact[V]:
        if obj is None:
            return self
        store: dict[str, Any] = obj.__dict__
        key = "_fact_" + self._name
        if key in store:
            return store[key]  # type: ignore[no-any-return]
        with _guard:
            lock = store.setdefault(key + "_lock", threading.Lock())
        with lock:
            if key not in store:
                store[key] = self._compute(obj)
            return store[key]  # type: ignore[no-any-return]
