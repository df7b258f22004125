"""F2Q112: CLI commands keep the app context Flask gave them.

Flask runs every command of ``app.cli`` inside an app context; Quart's ``AppGroup.command``
defaults to ``with_appcontext=False`` and its ``QuartGroup`` pushes none (spec §1.13), so a
command that touches ``current_app`` or ``g`` fails with "Not within an app context". Quart's
own ``quart.cli.with_appcontext`` has a flaw of its own: it turns any ``RuntimeError`` without
arguments — ``click.Abort``, which ``click.confirm(..., abort=True)`` raises — into an
``IndexError``. So the migration generates a ``cli_context`` module (next to the app, like the
HTTP client) whose ``with_appcontext`` runs the command inside ``asyncio.run`` in an app context
and lets click handle what the command raises; and

* ``@app.cli.command(...)`` (and ``.group``) commands get ``@with_appcontext`` below it;
* ``click`` commands registered with ``app.cli.add_command(...)`` get it too;
* ``from flask.cli import with_appcontext`` imports the generated one instead.

A command that calls ``asyncio.run`` itself cannot run inside another one: it is reported and
left without the context.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FileContext, ImportRequest
from flask2quart.analysis.model import dotted_name

from ._args import keyword
from ._generated import MARKER, generated_module, write_generated

_APP_GROUP_METHODS = ("command", "group")
LEAF = "cli_context"
DECORATOR = "with_appcontext"
_USES = "F2Q112.uses_cli_context"

SOURCE = f'''{MARKER} (`migrate`): Flask's app context for click commands.
"""``@with_appcontext`` for click commands on Quart, as Flask gives them.

Quart's ``quart.cli.with_appcontext`` reads ``error.args[0]`` of any ``RuntimeError`` the
command raises, so a ``click.Abort`` (``click.confirm(..., abort=True)``) becomes an
``IndexError`` there. This one runs the command in the app context and lets click handle
whatever the command raises.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import click
from quart.cli import ScriptInfo


def {DECORATOR}(command: Callable[..., Any]) -> Callable[..., Any]:
    @click.pass_context
    def decorator(context: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        app = context.ensure_object(ScriptInfo).load_app()

        async def run() -> Any:
            async with app.app_context():
                return context.invoke(command, *args, **kwargs)

        return asyncio.run(run())

    return functools.update_wrapper(decorator, command)
'''


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
    summary = "app.cli commands keep Flask's app context: a generated @with_appcontext"

    names: ClassVar[frozenset[str]] = frozenset({DECORATOR})

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        index = context.plan.index
        self.module = generated_module(index.modules, index.functions, LEAF, DECORATOR)

    def _decorator(self) -> cst.Decorator:
        self.context.data[_USES] = True
        request = ImportRequest(self.module, DECORATOR)
        if request not in self.context.imports:
            self.context.imports.append(request)
        return cst.Decorator(cst.Name(DECORATOR))

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        """``from flask.cli import with_appcontext`` -> the generated one."""
        if dotted_name(original_node.module) != "flask.cli" or original_node.relative:
            return updated_node
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        kept = [
            alias
            for alias in updated_node.names
            if not (dotted_name(alias.name) == DECORATOR and alias.asname is None)
        ]
        if len(kept) == len(updated_node.names):
            return updated_node
        self._decorator()
        if not kept:
            return cst.RemovalSentinel.REMOVE
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=kept)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        info = self.context.model.function_by_node.get(original_node)
        if info is None or not original_node.decorators:
            return updated_node
        if self._has_with_appcontext(info.fqn):
            return updated_node
        app_command = next(
            (d.decorator for d in original_node.decorators if _is_app_cli_decorator(d.decorator)),
            None,
        )
        if app_command is not None:
            assert isinstance(app_command, cst.Call)
            explicit = keyword(app_command, "with_appcontext")
            if explicit is not None and explicit.value.deep_equals(cst.Name("False")):
                return updated_node
        else:
            consumers = self.context.plan.value_consumers.get(info.fqn, set())
            if not _registered_with_app_cli(consumers):
                return updated_node
        if self._runs_event_loop(original_node):
            return updated_node
        decorators = [*updated_node.decorators, self._decorator()]
        return updated_node.with_changes(decorators=decorators)

    def _has_with_appcontext(self, fqn: str) -> bool:
        summary = self.context.plan.index.functions.get(fqn)
        if summary is None:
            return False
        names = {self.context.evaluator.name_of(ref) for ref in summary.decorators}
        return bool(names & {"flask.cli.with_appcontext", f"{self.module}.{DECORATOR}"})

    def _runs_event_loop(self, node: cst.FunctionDef) -> bool:
        for call, site in self.context.model.calls.items():
            owned = site.owner is not None and site.owner.node is node
            if owned and self.context.callee_name(call) == "asyncio.run":
                self.context.report(
                    node.name,
                    self.id,
                    "warning",
                    f"{node.name.value}() calls asyncio.run(); an app context for it would run "
                    "it inside asyncio.run already, so none was added",
                    "inside the coroutine, use `async with app.app_context():`",
                )
                return True
        return False

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if not any(True for _ in project.data(_USES)):
            return
        index = project.plan.index
        module = generated_module(index.modules, index.functions, LEAF, DECORATOR)
        write_generated(project, module, SOURCE, cls.id)
