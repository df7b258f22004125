"""F2Q107: ``app.config.from_prefixed_env()`` keeps reading ``FLASK_*`` variables.

Quart's ``from_prefixed_env()`` defaults to ``prefix="QUART"`` (spec §1.2): the converted app
would silently stop seeing its ``FLASK_SECRET_KEY`` and friends. The call gets
``prefix="FLASK"``, which keeps the behaviour; rename the variables and drop the argument when
you are ready.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

from ._args import add_keyword, keyword, positional


class PrefixedEnv(Rule):
    id = "F2Q107"
    name = "prefixed-env"
    summary = 'config.from_prefixed_env() -> from_prefixed_env(prefix="FLASK")'

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call) or not isinstance(
            original_node.func, cst.Attribute
        ):
            return updated_node
        if original_node.func.attr.value != "from_prefixed_env":
            return updated_node
        if keyword(updated_node, "prefix") is not None or positional(updated_node):
            return updated_node
        if self.context.callee_name(original_node) != "flask.Config.from_prefixed_env":
            return updated_node
        return add_keyword(updated_node, "prefix", cst.SimpleString('"FLASK"'))
