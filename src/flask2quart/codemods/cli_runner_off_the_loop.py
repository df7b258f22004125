"""F2Q305: ``runner.invoke(...)`` inside a test that became async runs in a worker thread.

``app.test_cli_runner()`` stays synchronous on Quart, but a Quart command that needs the app
context runs its body under ``asyncio.run`` (``quart.cli.with_appcontext``, and the commands
F2Q112 converts), which raises ``RuntimeError: asyncio.run() cannot be called from a running
event loop`` when invoked from an ``async def`` test (spec §1.13): the result then carries the
exception and an empty output. Invoking it through ``await asyncio.to_thread(runner.invoke,
...)`` gives the command a thread without a running loop, with the same arguments and result.
Tests that stay ``def`` keep calling ``runner.invoke`` directly.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

from ._awaits import awaited
from ._tests import becomes_async

INVOKE = "flask.testing.FlaskCliRunner.invoke"


class CliRunnerOffTheLoop(Rule):
    id = "F2Q305"
    name = "cli-runner-off-the-loop"
    summary = "runner.invoke() in an async test -> await asyncio.to_thread(runner.invoke, ...)"
    requires = ("F2Q103", "F2Q301")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        context = self.context
        site = context.model.calls.get(original_node)
        if (
            site is None
            or site.owner is None
            or site.awaited
            or not isinstance(updated_node, cst.Call)
            or context.callee_name(original_node) != INVOKE
        ):
            return updated_node
        if not (site.owner.is_async or becomes_async(context, site.owner)):
            return updated_node
        if site.context != "body":
            return updated_node
        asyncio = context.module_for("asyncio")
        to_thread = cst.Attribute(cst.Name(asyncio), cst.Name("to_thread"))
        first = cst.Arg(
            updated_node.func,
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        )
        args = (
            [first, *updated_node.args]
            if updated_node.args
            else [first.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        )
        return awaited(cst.Call(func=to_thread, args=args))
