"""F2Q114: SQLite connections may be used from more than one thread on Quart.

Quart runs sync views and hooks in worker threads and async ones on the event loop thread
(spec §1.8), so the connection a request opens into ``g`` is often used and closed on different
threads; ``sqlite3`` then raises ``ProgrammingError: SQLite objects created in a thread can only
be used in that same thread``. A request's handlers run one after the other, never at the same
time, so ``check_same_thread=False`` is safe here and is added to ``sqlite3.connect(...)``. The
report reminds that SQLite calls inside async functions block the event loop.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

from ._args import add_keyword, keyword


class SqliteThreadAffinity(Rule):
    id = "F2Q114"
    name = "sqlite-thread-affinity"
    summary = "sqlite3.connect(...) -> sqlite3.connect(..., check_same_thread=False)"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call):
            return updated_node
        if keyword(updated_node, "check_same_thread") is not None:
            return updated_node
        if any(arg.star for arg in updated_node.args):
            return updated_node
        if self.context.callee_name(original_node) != "sqlite3.connect":
            return updated_node
        self.context.report(
            original_node,
            self.id,
            "info",
            "check_same_thread=False: Quart may open, use and close this connection on "
            "different threads of one request; calls made from async functions block the loop",
        )
        return add_keyword(updated_node, "check_same_thread", cst.Name("False"))
