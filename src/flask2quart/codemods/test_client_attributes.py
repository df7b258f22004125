"""F2Q312: the test client's own attributes under their Quart names.

Werkzeug's ``FlaskClient.application`` (the app under test) is ``QuartClient.app``; Quart's client
has no ``application`` attribute (AttributeError). Only reads on a value known to be a test
client are renamed: an ``application`` attribute of anything else is left alone.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule

CLIENT = "flask.testing.FlaskClient"

RENAMED: dict[str, str] = {"application": "app"}


class TestClientAttributes(Rule):
    id = "F2Q312"
    name = "test-client-attributes"
    summary = "client.application -> client.app"
    requires = ("F2Q101",)

    attribute_names: ClassVar[frozenset[str]] = frozenset(RENAMED)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        name = original_node.attr.value
        if name not in RENAMED or not isinstance(updated_node, cst.Attribute):
            return updated_node
        if self.context.member_key(original_node) != f"{CLIENT}.{name}":
            return updated_node
        return updated_node.with_changes(attr=cst.Name(RENAMED[name]))
