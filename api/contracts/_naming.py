"""The names the OpenAPI document gives two schemas whose class names collide.

Pydantic names a schema after its class, and when two classes of the same name meet in one document,
after their module and class (``retrieval__answer__Successor``). The API has published the two
``Successor`` schemas under the names of the modules that first defined them; :func:`published_as` keeps
those names for the wire models that now stand for them, so the document does not change.
"""

from __future__ import annotations

from typing import cast

from pydantic_core import CoreSchema, core_schema

__all__ = ["published_as"]


def published_as(schema: CoreSchema, cls: type, module: str) -> CoreSchema:
    """``schema`` (a model's core schema) referenced as ``cls`` of ``module`` rather than of its own module.

    Only the reference changes, which names the schema in a document where another class of the same
    name appears; validation and serialisation stay as they are. Call it from the model's
    ``__get_pydantic_core_schema__`` with what the handler returned.

    Args:
        schema: the core schema the handler built for ``cls``.
        cls: the model.
        module: the dotted module path to name it by.
    """
    if schema["type"] == "model":
        cast(core_schema.ModelSchema, schema)["ref"] = f"{module}.{cls.__qualname__}:{id(cls)}"
    return schema
