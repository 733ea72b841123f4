"""The API reference lists every public parameter of every documented function, with a meaning.

The reference pages are rendered by mkdocstrings from docstrings loaded with griffe, through the
extensions configured in mkdocs.yml. This test loads the packages the same way and walks every
object the pages name (`::: path`), so a parameter added without reaching the reference fails here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import griffe
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"


def configured_extensions() -> list[str]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("!!", ""))
    [mkdocstrings] = [p["mkdocstrings"] for p in config["plugins"] if isinstance(p, dict)]
    return list(mkdocstrings["handlers"]["python"]["options"].get("extensions", []))


@pytest.fixture(scope="module")
def packages() -> dict[str, Any]:
    extensions = configured_extensions()
    assert extensions, "mkdocs.yml configures no griffe extension to complete the parameters"
    paths = [str(ROOT / entry) if ".py" in entry else entry for entry in extensions]
    loaded = griffe.load_extensions(*paths)
    logging.getLogger("griffe").setLevel(logging.ERROR)
    return {
        name: griffe.load(
            name, docstring_parser="google", search_paths=[str(ROOT)], extensions=loaded
        )
        for name in ("paigo_sdk", "simulator")
    }


def documented_paths() -> list[str]:
    paths: list[str] = []
    for page in sorted(REFERENCE.glob("*.md")):
        paths += re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.MULTILINE)
    return paths


def resolve(packages: dict[str, Any], path: str) -> Any:
    head, _, rest = path.partition(".")
    found: Any = packages[head][rest] if rest else packages[head]
    return found.final_target if found.is_alias else found


def functions(obj: Any) -> Iterator[tuple[Any, Any]]:
    """Yield each public function under `obj` with the object whose docstring documents it."""
    if obj.is_function:
        yield obj, obj
        return
    members: dict[str, Any] = obj.all_members if obj.is_class else obj.members
    for name, member in members.items():
        if name.startswith("_") and name != "__init__":
            continue
        if member.is_alias:
            if obj.is_module:
                continue  # documented where it is defined
            member = member.final_target
        if member.is_function:
            owner = obj if name == "__init__" and obj.docstring is not None else member
            yield member, owner
        elif member.is_class and obj.is_module:
            yield from functions(member)


def parameter_docs(owner: griffe.Object) -> dict[str, str]:
    if owner.docstring is None:
        return {}
    return {
        parameter.name: parameter.description
        for section in owner.docstring.parsed
        if isinstance(section, griffe.DocstringSectionParameters)
        for parameter in section.value
    }


def test_every_public_parameter_is_listed_with_a_description(packages):
    missing: list[str] = []
    checked = 0
    for path in documented_paths():
        for function, owner in functions(resolve(packages, path)):
            documented = parameter_docs(owner)
            for parameter in function.parameters:
                if parameter.name in ("self", "cls") or parameter.name.startswith("_"):
                    continue
                checked += 1
                if not documented.get(parameter.name, "").strip():
                    missing.append(f"{function.path}({parameter.name})")
    assert checked > 500
    assert not missing, f"parameters missing from the API reference: {missing}"


def test_the_client_lists_all_twelve_constructor_parameters(packages):
    client = resolve(packages, "paigo_sdk.PaigoClient")
    assert list(parameter_docs(client)) == [
        "client_id",
        "client_secret",
        "api_url",
        "auth_url",
        "audience",
        "timeout",
        "max_retries",
        "retry_deadline",
        "http_client",
        "transport",
        "clock",
        "sleep",
    ]


def test_the_address_shape_is_documented(packages):
    create = resolve(packages, "paigo_sdk.resources.customers.Customers")["create"]
    documented = parameter_docs(create)
    for name in ("customer_name", "email", "payment_channel", "address", "timeout"):
        assert name in documented
    for key in ("country_code", "postal_code", "city", "street_line_one", "state"):
        assert f"`{key}`" in documented["address"]
    required, optional = documented["address"].split("optional:")
    assert "`street_line_two`" in optional
    assert "`street_line_one`" in required
    assert "`clearable`" not in optional  # a rule of the model, not a key
