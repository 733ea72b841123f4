"""A griffe extension for the API reference: every public parameter of every function is listed.

Docstrings document only the arguments whose meaning is not obvious from their name and type. The
reference must still list them all, so this extension completes each function's Parameters
section, in signature order, from (first found wins):

1. the function's own `Args:` entry;
2. the description of a field of the same name on a model of `paigo_sdk.types` (request models
   first), which is where each wire field is documented once;
3. the shared meaning of the per-call options every resource method takes;
4. the shape of an input alias (`AddressInput` is an `AddressParams` or a mapping with its keys),
   naming the keys and which are required.

It is configured in mkdocs.yml (`extensions:` of the python handler), and
`tests/test_reference.py` loads the package with it to check that nothing is left out.
"""

from __future__ import annotations

from typing import Any

import griffe

COMMON = {
    "timeout": (
        "Seconds to wait for this call (a number or an `httpx.Timeout`); default: the client's."
    ),
    "extra_headers": "Headers added to this request only (they override the client's).",
    "extra_query": "Query parameters added to this request only.",
    "extra_body": "Fields merged into this request's JSON body, sent as given.",
    "idempotency_key": (
        "Sent as the `Idempotency-Key` header on every attempt; default: a fresh key when "
        "retries are on."
    ),
    "customer_id": "The Paigo id of the customer.",
    "dimension_id": "The Paigo id of the dimension.",
    "offering_id": "The Paigo id of the offering.",
    "measurement_id": "The Paigo id of the measurement.",
    "invoice_id": "The Paigo id of the invoice.",
    "webhook_id": "The Paigo id of the webhook subscription.",
    "child_id": "The Paigo id of the child customer.",
}
CLIENT = {
    "client_id": "The API client id; default: `PAIGO_CLIENT_ID`.",
    "client_secret": "The API client secret; default: `PAIGO_CLIENT_SECRET`. Never logged.",
    "api_url": "The API's base URL; default: `PAIGO_API_URL`, else Paigo's production API.",
    "auth_url": (
        "The token endpoint; default: `PAIGO_AUTH_URL`, else Paigo's production token endpoint."
    ),
    "audience": "The OAuth audience of the token request; default: Paigo's API audience.",
}
SKIPPED = {"self", "cls"}


class CompleteParameters(griffe.Extension):
    """Fill in every missing public parameter of every function's Parameters section."""

    def on_package(self, *, pkg: griffe.Module, **_kwargs: Any) -> None:
        """Complete the functions of `pkg` once it is loaded (called by griffe)."""
        fields = _field_descriptions(pkg)
        for function in _functions(pkg):
            if function.name != "__init__":
                complete(function, fields)
        for cls in _classes(pkg):
            init = cls.all_members.get("__init__")
            if init is not None and init.is_alias:
                init = init.final_target
            if isinstance(init, griffe.Function):
                # With merge_init_into_class, each class's docstring documents its constructor,
                # inherited or not.
                complete(init, fields, owner=cls if cls.docstring is not None else init)


def complete(
    function: griffe.Function,
    fields: dict[str, dict[str, str]],
    owner: griffe.Object | None = None,
) -> None:
    """Give the docstring of `owner` (default: `function`) a Parameters section for `function`."""
    owner = owner or function
    if owner.docstring is None:
        return
    sections = owner.docstring.parsed
    section = next((s for s in sections if isinstance(s, griffe.DocstringSectionParameters)), None)
    documented = {p.name: p for p in section.value} if section is not None else {}
    ordered: list[griffe.DocstringParameter] = []
    for parameter in function.parameters:
        if parameter.name in SKIPPED or parameter.name.startswith("_"):
            continue
        if parameter.kind in (
            griffe.ParameterKind.var_positional,
            griffe.ParameterKind.var_keyword,
        ):
            found = documented.get(parameter.name) or griffe.DocstringParameter(
                parameter.name,
                description="Further keyword arguments, passed on unchanged.",
                annotation=parameter.annotation,
            )
            ordered.append(found)
            continue
        found = documented.get(parameter.name)
        if found is None:
            found = griffe.DocstringParameter(
                parameter.name,
                description=describe(function, parameter, fields, owner),
                annotation=parameter.annotation,
                value=parameter.default,
            )
        else:
            found.annotation = found.annotation or parameter.annotation
            found.value = found.value or parameter.default
        ordered.append(found)
    ordered += [p for name, p in documented.items() if p not in ordered]
    if not ordered:
        return
    if section is None:
        # Parameters come right after the summary text, as in a hand-written Args section.
        index = 1 if sections and isinstance(sections[0], griffe.DocstringSectionText) else 0
        sections.insert(index, griffe.DocstringSectionParameters(ordered))
    else:
        section.value = ordered


def describe(
    function: griffe.Function,
    parameter: griffe.Parameter,
    fields: dict[str, dict[str, str]],
    owner: griffe.Object,
) -> str:
    """Return the description of an undocumented `parameter` of `function`."""
    shape = _input_shape(function, parameter)
    in_sdk = function.package.name == "paigo_sdk"
    attribute = owner.members.get(parameter.name) if isinstance(owner, griffe.Class) else None
    if attribute is not None and not attribute.is_alias and attribute.docstring is not None:
        text = attribute.docstring.value.strip()  # a dataclass field documents its argument
    elif in_sdk and parameter.name in CLIENT:
        text = CLIENT[parameter.name]
    elif parameter.name in COMMON:
        text = COMMON[parameter.name]
    elif parameter.name in (own := fields.get(_resource_name(function), {})):
        text = own[parameter.name]
    else:
        text = ""
    if shape:
        text = f"{text} {shape}".strip()
    if not text:
        if parameter.default is None:
            text = "Required."
        elif function.module.path.startswith("paigo_sdk.resources"):
            text = "Optional; left out of the request when not given."
        else:
            text = "Optional."
    return text


def _functions(module: griffe.Object) -> list[griffe.Function]:
    found: list[griffe.Function] = []
    for name, member in module.members.items():
        if member.is_alias:
            continue
        # Private modules (`_client`) hold public classes re-exported by the package.
        if name.startswith("_") and name != "__init__" and not member.is_module:
            continue
        if member.is_module or member.is_class:
            found += _functions(member)  # type: ignore[arg-type]
        elif member.is_function:
            found.append(member)  # type: ignore[arg-type]
    return found


def _classes(module: griffe.Object) -> list[griffe.Class]:
    found: list[griffe.Class] = []
    for name, member in module.members.items():
        if member.is_alias or (name.startswith("_") and not member.is_module):
            continue
        if member.is_module:
            found += _classes(member)
        elif member.is_class:
            found.append(member)  # type: ignore[arg-type]
            found += _classes(member)
    return found


def _field_descriptions(pkg: griffe.Module) -> dict[str, dict[str, str]]:
    """Map each `paigo_sdk.types` module to its request-model fields' docstrings.

    Only request models (`...Params`) are read: a reply model's field of the same name may mean
    something else (a payment's `currency` is Stripe's lower-case code).
    """
    if "types" not in pkg.members:
        return {}
    found: dict[str, dict[str, str]] = {}
    for module_name, module in pkg["types"].modules.items():
        descriptions = found.setdefault(module_name, {})
        for cls in module.classes.values():
            if cls.is_alias or not cls.name.endswith("Params"):
                continue
            for attribute in cls.attributes.values():
                if attribute.docstring is not None and attribute.name not in descriptions:
                    descriptions[attribute.name] = attribute.docstring.value.strip()
    return found


def _resource_name(function: griffe.Function) -> str:
    """Name the `paigo_sdk.types` module of a resource method (`customer_stripe` -> customers)."""
    name = function.module.name
    return "customers" if name.startswith("customer_") else name


def _input_shape(function: griffe.Function, parameter: griffe.Parameter) -> str:
    """Describe the keys of a model an argument may also be given as a mapping of."""
    annotation = str(parameter.annotation or "")
    module = function.module
    for name, member in module.members.items():
        if not name.endswith("Input") or name not in annotation or member.is_alias:
            continue
        value = str(getattr(member, "value", "") or "")
        model_name = value.split("|", 1)[0].strip()
        model = _find_class(function.package, model_name)
        if model is None:
            return ""
        # Model fields only: griffe marks ClassVar rules of the base model as class attributes
        # without the instance label that every pydantic field carries.
        fields = [
            a
            for a in model.attributes.values()
            if not a.name.startswith("model_") and "instance-attribute" in a.labels
        ]
        required = [a.name for a in fields if a.value is None]
        optional = [a.name for a in fields if a.value is not None]
        keys = ", ".join(f"`{k}`" for k in required) or "none"
        extra = f"; optional: {', '.join(f'`{k}`' for k in optional)}" if optional else ""
        return (
            f"{_article(model_name)} `{model_name}` or a mapping with its keys "
            "(snake_case or Paigo's camelCase). "
            f"Required keys: {keys}{extra}."
        )
    return ""


def _find_class(pkg: griffe.Module, name: str) -> griffe.Class | None:
    if "types" not in pkg.members:
        return None
    for module in pkg["types"].modules.values():
        found = module.classes.get(name)
        if found is not None and not found.is_alias:
            return found
    return None


def _article(word: str) -> str:
    return "An" if word[:1].upper() in "AEIOU" else "A"
