"""F2Q501: blocking calls left in async code (flake8-async's ASYNC2xx list, spec §5.3).

Inside a function that is (or became) ``async def``, a blocking call stalls every request the
event loop serves. ``time.sleep(s)`` becomes ``await asyncio.sleep(s)``; every other one is
reported with its async replacement, and with ``--wrap-blocking`` (setting ``wrap_blocking``)
wrapped as ``await run_sync(f)(...)`` — Quart's helper, which runs it in a worker thread with the
request context copied. Sync functions are left alone: a view that only does blocking work stays
``def`` and Quart already runs it in a thread. ``requests`` calls are F2Q201's.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._imports import remove_unused_imports
from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.facts import is_test_module_name
from flask2quart.analysis.model import Site

from ._awaits import awaited

_SUBPROCESS = (
    "`proc = await asyncio.create_subprocess_exec(...)` and `await proc.communicate()`",
    "ASYNC221",
)
_FILES = (
    "`async with aiofiles.open(...)` (aiofiles comes with Quart) or anyio.open_file",
    "ASYNC230",
)
_HTTP = ("the shared httpx client: `await http_client().get(...)`", "ASYNC210")
_PATHS = ("anyio.Path or aiofiles.os (cheap; low priority)", "ASYNC240")

# canonical callee -> (async replacement, flake8-async code or "")
BLOCKING: dict[str, tuple[str, str]] = {
    **{f"subprocess.{n}": _SUBPROCESS for n in "run call check_call check_output".split()},
    **{f"subprocess.{n}": _SUBPROCESS for n in "getoutput getstatusoutput".split()},
    "subprocess.Popen": ("`await asyncio.create_subprocess_exec(...)`", "ASYNC220"),
    "os.system": _SUBPROCESS,
    "os.popen": ("`await asyncio.create_subprocess_shell(...)`", "ASYNC220"),
    **{
        f"os.{n}": ("`await run_sync(...)`", "ASYNC222") for n in "wait wait3 wait4 waitpid".split()
    },
    "builtins.open": _FILES,
    "io.open": _FILES,
    "io.open_code": _FILES,
    "os.fdopen": ("anyio.wrap_file", "ASYNC231"),
    **{
        f"os.path.{n}": _PATHS
        for n in (
            "exists isdir isfile islink lexists ismount realpath getatime getctime getmtime "
            "getsize samefile relpath"
        ).split()
    },
    "builtins.input": ("`await run_sync(input)(...)`", "ASYNC250"),
    "urllib.request.urlopen": _HTTP,
    "urllib3.request": _HTTP,
    **{f"httpx.{verb}": _HTTP for verb in "get options head post put patch delete request".split()},
    "sqlite3.connect": ("aiosqlite (`async with aiosqlite.connect(...)`)", ""),
    "psycopg2.connect": ("psycopg 3's `await psycopg.AsyncConnection.connect(...)`", ""),
    "smtplib.SMTP": ("aiosmtplib", ""),
    "smtplib.SMTP_SSL": ("aiosmtplib", ""),
    "socket.create_connection": ("`await asyncio.open_connection(...)`", ""),
    "redis.Redis": ("redis.asyncio.Redis (same package)", ""),
    "redis.StrictRedis": ("redis.asyncio.Redis (same package)", ""),
    "pymongo.MongoClient": ("motor", ""),
}


class BlockingCalls(Rule):
    id = "F2Q501"
    name = "blocking-calls"
    summary = "time.sleep -> await asyncio.sleep in async code; report (or run_sync) the rest"
    requires = ("F2Q103",)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # a test may block: it runs alone on its loop (and its fixtures set things up)
        self.in_tests = is_test_module_name(context.model.module_name)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        context = self.context
        site = context.model.calls.get(original_node)
        if site is None or site.awaited or not isinstance(updated_node, cst.Call):
            return updated_node
        name = context.callee_name(original_node)
        if name != "time.sleep" and name not in BLOCKING:
            return updated_node
        if not self._in_async_code(site) or self.in_tests:
            return updated_node
        assert name is not None
        if name == "time.sleep":
            self.context.data["slept"] = True
            sleep = cst.Attribute(cst.Name(context.module_for("asyncio")), cst.Name("sleep"))
            return self._await(site, updated_node.with_changes(func=sleep))
        replacement, code = BLOCKING[name]
        label = name.removeprefix("builtins.")
        tag = f" ({code})" if code else ""
        if context.settings.wrap_blocking and BLOCKING[name] not in (_FILES,):
            context.report(
                original_node,
                self.id,
                "info",
                f"blocking {label}() in async code now runs in a worker thread (run_sync){tag}",
                f"an async replacement avoids the thread: {replacement}",
            )
            run_sync = context.name_for("quart.utils", "run_sync")
            wrapped = cst.Call(func=cst.Name(run_sync), args=[cst.Arg(updated_node.func)])
            return self._await(site, updated_node.with_changes(func=wrapped))
        context.report(
            original_node,
            self.id,
            "warning",
            f"blocking {label}() in async code stalls the event loop{tag}",
            f"use {replacement}, or {_wrap_hint(label, BLOCKING[name])}",
        )
        return updated_node

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.context.data.get("slept"):
            return updated_node
        return remove_unused_imports(updated_node, "time")

    def _in_async_code(self, site: Site) -> bool:
        return self.context.can_await(site)

    def _await(self, site: Site, call: cst.Call) -> cst.BaseExpression:
        if site.genexp is not None:
            self.context.eager_genexps.add(site.genexp)
        return awaited(call)


def _wrap_hint(label: str, entry: tuple[str, str]) -> str:
    if entry == _FILES:
        # wrapping open() alone would leave every read and write on the file blocking
        return "move the whole file access into a function and `await run_sync(that)()`"
    return f"`await run_sync({label})(...)` (migrate --wrap-blocking)"
