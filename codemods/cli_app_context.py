"""F2Q112: CLI commands keep the app context Flask gave them.

Flask runs every command of ``app.cli`` inside an app context; Quart's ``AppGroup.command``
defaults to ``with_appcontext=False`` and its ``QuartGroup`` pushes none (spec §1.13), so a
command that touches ``current_app`` or ``g`` fails with "Not within an app context". Commands
declared with ``@app.cli.command(...)`` get ``with_appcontext=True``; ``click`` commands
registered with ``app.cli.add_command(...)`` get ``@with_appcontext`` from ``quart.cli``. Both
run the command inside ``asyncio.run``, so a command that itself calls ``asyncio.run`` is
reported instead.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

from ._args import add_keyword, keyword

_APP_GROUP_METHODS = ("command", "group")


def _is_app_cli_decorator(expr: cst.BaseExpression) -> bool:
    """``@<anything>.cli.command(...)`` / ``.cli.group(...)``."""
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return False
    func = expr.func
    return (
        func.attr.value in _APP_GROUP_METHODS
        and isinstance(func.value, cst.Attribute)
        and func.value.attr.value == "cli"
    )


def _registered_with_app_cli(consumers: set[str]) -> bool:
    return any(
        name.endswith(".cli.add_command")
        or name in ("flask.cli.AppGroup.add_command", "flask.cli.FlaskGroup.add_command")
        for name in consumers
    )


class CliAppContext(Rule):
    id = "F2Q112"
    name = "cli-app-context"
    summary = "app.cli commands keep Flask's app context: with_appcontext=True / @with_appcontext"

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        info = self.context.model.function_by_node.get(original_node)
        if info is None or not original_node.decorators:
            return updated_node
        decorators = list(updated_node.decorators)
        for index, decorator in enumerate(original_node.decorators):
            expr = decorator.decorator
            if _is_app_cli_decorator(expr):
                assert isinstance(expr, cst.Call)
                if keyword(expr, "with_appcontext") is not None:
                    return updated_node
                if self._runs_event_loop(original_node):
                    return updated_node
                new_call = decorators[index].decorator
                assert isinstance(new_call, cst.Call)
                decorators[index] = decorators[index].with_changes(
                    decorator=add_keyword(new_call, "with_appcontext", cst.Name("True"))
                )
                return updated_node.with_changes(decorators=decorators)
        consumers = self.context.plan.value_consumers.get(info.fqn, set())
        if not _registered_with_app_cli(consumers) or self._has_with_appcontext(info.fqn):
            return updated_node
        if self._runs_event_loop(original_node):
            return updated_node
        name = self.context.name_for("quart.cli", "with_appcontext")
        decorators.append(cst.Decorator(cst.Name(name)))
        return updated_node.with_changes(decorators=decorators)

    def _has_with_appcontext(self, fqn: str) -> bool:
        summary = self.context.plan.index.functions.get(fqn)
        if summary is None:
            return False
        names = {self.context.evaluator.name_of(ref) for ref in summary.decorators}
        return "flask.cli.with_appcontext" in names

    def _runs_event_loop(self, node: cst.FunctionDef) -> bool:
        for call, site in self.context.model.calls.items():
            owned = site.owner is not None and site.owner.node is node
            if owned and self.context.callee_name(call) == "asyncio.run":
                self.context.report(
                    node.name,
                    self.id,
                    "warning",
                    f"{node.name.value}() calls asyncio.run(); Quart's with_appcontext runs "
                    "commands inside asyncio.run already, so it was not added",
                    "inside the coroutine, use `async with app.app_context():`",
                )
                return True
        return False
