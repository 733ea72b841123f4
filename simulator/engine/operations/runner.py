"""`operation`: makes an `Engine` method of a function of `(ctx, ...)`, run under the engine's lock.

Each operation body lives in a module by resource and takes the call's `Ctx` first. The engine
lists them as `create_dimension = operation(catalog.create_dimension)`; reading the attribute from
an engine gives a method with the body's own signature, minus `ctx`, that opens one engine scope
(lock, clock reading, catch-up of due cycles, webhook flush) around the body.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

from simulator.engine.context import Ctx

__all__ = ["Operation", "operation"]

P = ParamSpec("P")
R = TypeVar("R")


class Scoped(Protocol):
    """What an operation needs of its engine: a scope that yields the call's `Ctx`."""

    def _op(
        self, *, catch_up: bool = True, usage_only: bool = False
    ) -> AbstractContextManager[Ctx]:
        """Open one engine call."""
        ...


class Operation(Generic[P, R]):
    """A descriptor: an engine method made from an operation body (see the module docstring)."""

    def __init__(
        self,
        body: Callable[Concatenate[Ctx, P], R],
        *,
        catch_up: bool = True,
        usage_only: bool = False,
    ) -> None:
        self.body = body
        self.catch_up = catch_up
        self.usage_only = usage_only
        self.name = body.__name__
        signature = inspect.signature(body)
        self.signature = signature.replace(parameters=list(signature.parameters.values())[1:])

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, engine: None, owner: type | None = None) -> Operation[P, R]: ...

    @overload
    def __get__(self, engine: Scoped, owner: type | None = None) -> Callable[P, R]: ...

    def __get__(self, engine: Scoped | None, owner: type | None = None) -> Any:
        if engine is None:
            return self
        body, catch_up, usage_only = self.body, self.catch_up, self.usage_only

        @functools.wraps(body)
        def method(*args: P.args, **kwargs: P.kwargs) -> R:
            with engine._op(catch_up=catch_up, usage_only=usage_only) as ctx:
                return body(ctx, *args, **kwargs)

        method.__signature__ = self.signature  # type: ignore[attr-defined]
        # Bound once per engine: later reads find the method in the instance's __dict__, so a
        # call costs no more than a plain method call.
        vars(engine)[self.name] = method
        return method


def operation(
    body: Callable[Concatenate[Ctx, P], R], *, catch_up: bool = True, usage_only: bool = False
) -> Operation[P, R]:
    """Make an engine method of `body`, a function taking the call's `Ctx` first.

    `catch_up=False` skips closing due cycles before the body (B14); `usage_only=True` keeps the
    follow-up cache that consecutive usage records share.
    """
    return Operation(body, catch_up=catch_up, usage_only=usage_only)
