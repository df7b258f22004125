"""F2Q116: report ``copy_current_request_context``: on Quart it returns an async function.

Quart's ``copy_current_request_context`` wraps the function in a coroutine function (spec §1.2),
so ``threading.Thread(target=copy_current_request_context(f))`` silently never runs ``f``.
Quart's own tool for the job is ``app.add_background_task(f, *args)``, which runs sync functions
in a thread with the app context and waits for them at shutdown.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

KEY = "flask.copy_current_request_context"


class BackgroundWork(Rule):
    id = "F2Q116"
    name = "background-work"
    summary = "report copy_current_request_context (async on Quart); use app.add_background_task"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.context.callee_name(original_node) == KEY:
            self._report(original_node)
        return updated_node

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        info = self.context.model.function_by_node.get(original_node)
        if info is None:
            return updated_node
        for decorator in original_node.decorators:
            ref = self.context.model.ref_of(decorator.decorator, info.outer_scope)
            if self.context.evaluator.name_of(ref) == KEY:
                self._report(decorator)
        return updated_node

    def _report(self, node: cst.CSTNode) -> None:
        self.context.report(
            node,
            self.id,
            "error",
            "copy_current_request_context() returns a coroutine function on Quart: a thread or "
            "callback given it never runs the work",
            "use current_app.add_background_task(function, *args) instead of a thread",
        )
