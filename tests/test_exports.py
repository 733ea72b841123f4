"""The public import surface is pinned, every public name resolves and carries a docstring."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

import paigo_sdk
import paigo_sdk.errors
import paigo_sdk.types

PAIGO_SDK_ALL = [
    "INFINITY",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIDecodingError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaigoClient",
    "AsyncStreamedResponse",
    "AsyncUsageBatcher",
    "AuthenticationError",
    "BadRequestError",
    "BatcherClosedError",
    "ClientValidationError",
    "ConflictError",
    "DeliveryReport",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PaigoClient",
    "PaigoError",
    "PermissionDeniedError",
    "QueueFullError",
    "QueueFullPolicy",
    "RateLimitError",
    "RawResponse",
    "StreamedResponse",
    "UsageBatcher",
    "__version__",
]

ERRORS_ALL = [
    "APIConnectionError",
    "APIDecodingError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatcherClosedError",
    "ClientValidationError",
    "ConflictError",
    "InternalServerError",
    "MAX_ERROR_TEXT",
    "NotFoundError",
    "PaigoError",
    "PermissionDeniedError",
    "QueueFullError",
    "RateLimitError",
    "WebhookVerificationError",
    "status_error_class",
]

TYPE_MODULES = [
    "dimensions",
    "offerings",
    "measurements",
    "customers",
    "usage",
    "invoices",
    "webhooks",
    "settings",
    "enums",
]


def test_paigo_sdk_all_is_pinned() -> None:
    assert paigo_sdk.__all__ == PAIGO_SDK_ALL


def test_errors_all_is_pinned() -> None:
    assert sorted(paigo_sdk.errors.__all__) == ERRORS_ALL


@pytest.mark.parametrize(
    "module", [paigo_sdk, paigo_sdk.errors, paigo_sdk.types], ids=lambda m: m.__name__
)
def test_every_exported_name_resolves(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        assert getattr(module, name) is not None, name


@pytest.mark.parametrize(
    "module", [paigo_sdk, paigo_sdk.errors, paigo_sdk.types], ids=lambda m: m.__name__
)
def test_every_exported_class_and_function_has_a_docstring(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


@pytest.mark.parametrize("name", TYPE_MODULES)
def test_types_package_reexports_every_model(name: str) -> None:
    module = importlib.import_module(f"paigo_sdk.types.{name}")
    for exported in module.__all__:
        assert getattr(paigo_sdk.types, exported) is getattr(module, exported), exported


def test_every_public_method_of_the_clients_documents_what_it_raises() -> None:
    import pkgutil

    import paigo_sdk.resources

    modules = [
        importlib.import_module(f"paigo_sdk.resources.{info.name}")
        for info in pkgutil.iter_modules(paigo_sdk.resources.__path__)
        if not info.name.startswith("_")
    ]
    assert len(modules) == 12
    checked = 0
    for module in [paigo_sdk.resources, *modules]:
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            for method_name, method in vars(cls).items():
                if inspect.isfunction(method) and not method_name.startswith("_"):
                    assert "Raises:" in (method.__doc__ or ""), f"{cls.__name__}.{method_name}"
                    checked += 1
    assert checked > 90


def test_importing_paigo_sdk_does_not_import_the_batchers_or_the_simulator() -> None:
    code = (
        "import sys, paigo_sdk; "
        "print('paigo_sdk.batching' in sys.modules, "
        "any(m.startswith('simulator') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_batcher_names_resolve_lazily() -> None:
    from paigo_sdk.batching import UsageBatcher

    assert paigo_sdk.UsageBatcher is UsageBatcher
    with pytest.raises(AttributeError):
        _ = paigo_sdk.NoSuchName
