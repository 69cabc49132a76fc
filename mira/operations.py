"""Connexion's per-request machinery, built once per operation instead of for every request.

Connexion 3.3 decorates a handler anew on each request (three wrappers, a signature inspected,
a URI parser made), converts each parameter's name with regular expressions, and inspects the
security function's signature twice per request. None of it depends on the request: here it is
done once and kept. Nothing about what is validated or answered changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.context import receive, scope
from connexion.decorators import StarletteDecorator
from connexion.decorators.parameter import AsyncParameterDecorator
from connexion.security import (
    AbstractSecurityHandler,
    ApiKeySecurityHandler,
    BearerSecurityHandler,
)


class NamesOnce(AsyncParameterDecorator):  # type: ignore[misc]
    """Turns a parameter's name into its argument's (`from` → `from_`) once per name."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sanitize: Callable[[str], str] = vars(self)["sanitize_fn"]
        self.sanitize_fn = functools.lru_cache(maxsize=1024)(sanitize)


class OnceDecorator(StarletteDecorator):  # type: ignore[misc]
    """Decorates the handler once; only the request is made per request."""

    @property
    def _parameter_decorator_cls(self) -> type[AsyncParameterDecorator]:
        return NamesOnce

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        decorated = self.decorate(function)
        uri_parser = None

        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal uri_parser
            # One operation calls this wrapper: its parser, made on the first call, serves all.
            if uri_parser is None:
                uri_parser = self.uri_parser
            request = self.framework.get_request(
                uri_parser=uri_parser, scope=scope, receive=receive
            )
            return await decorated(request)

        return wrapper


class OnceOperation(AsyncOperation):  # type: ignore[misc]
    @functools.cached_property
    def fn(self) -> Callable[..., Any]:
        decorator = OnceDecorator(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)
        decorated: Callable[..., Any] = decorator(self._fn)
        return decorated


class OnceApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, spec_operation: Any) -> OnceOperation:
        made: OnceOperation = OnceOperation.from_operation(
            spec_operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )
        return made


@functools.cache
def _accepts_kwarg(function: Callable[..., Any], keyword: str) -> bool:
    accepted: bool = AbstractSecurityHandler._accepts_kwarg(function, keyword)
    return accepted


class BearerOnce(BearerSecurityHandler):  # type: ignore[misc]
    _accepts_kwarg = staticmethod(_accepts_kwarg)


class ApiKeyOnce(ApiKeySecurityHandler):  # type: ignore[misc]
    _accepts_kwarg = staticmethod(_accepts_kwarg)


SECURITY_MAP = {"bearer": BearerOnce, "apiKey": ApiKeyOnce}
