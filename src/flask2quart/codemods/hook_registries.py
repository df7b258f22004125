"""F2Q120: a hook registry replaced by a plain dict stays a ``defaultdict``.

The app's and blueprints' hook registries (``before_request_funcs``, ``teardown_request_funcs``,
...) are ``defaultdict(list)`` keyed by blueprint name (``None`` for the app). Test suites
reset them to switch hooks off (``app.teardown_request_funcs = {None: []}``). Flask asks
``if name in registry`` before reading one; Quart reads ``registry[name]`` for the request's
blueprints, so with a plain dict every request to a blueprint (or a dotted endpoint such as
``"api.items"``) raises ``KeyError`` and answers 500 (anitya: about 190 tests). A dict display
assigned to one becomes a ``defaultdict(list, {...})``, which keeps the same entries.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

REGISTRIES = frozenset(
    {
        "before_request_funcs",
        "after_request_funcs",
        "teardown_request_funcs",
        "template_context_processors",
        "url_value_preprocessors",
        "url_default_functions",
    }
)


class HookRegistries(Rule):
    id = "F2Q120"
    name = "hook-registries"
    summary = "app.teardown_request_funcs = {None: []} -> defaultdict(list, {None: []})"

    triggers = REGISTRIES

    def leave_Assign(
        self, original_node: cst.Assign, updated_node: cst.Assign
    ) -> cst.BaseSmallStatement:
        if not isinstance(updated_node, cst.Assign) or not isinstance(updated_node.value, cst.Dict):
            return updated_node
        names = [
            target.target.attr.value
            for target in original_node.targets
            if isinstance(target.target, cst.Attribute)
        ]
        if not names or not all(name in REGISTRIES for name in names):
            return updated_node
        defaultdict = self.context.name_for("collections", "defaultdict")
        args = [cst.Arg(cst.Name("list"))]
        if updated_node.value.elements:
            args.append(cst.Arg(updated_node.value))
        self.context.report(
            original_node,
            self.id,
            "info",
            f"{names[0]} stays a defaultdict(list): Quart reads it for each blueprint of a "
            "request, where Flask first checks the key",
        )
        return updated_node.with_changes(value=cst.Call(func=cst.Name(defaultdict), args=args))
