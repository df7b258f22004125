"""F2Q204: one shared HTTP client per event loop, generated into the app and closed with it.

When any converted call uses it, the run writes ``http_client.py`` into the app's main package
(see :mod:`._http_helper` for what it holds and why: a module-global ``AsyncClient`` breaks on the
second event loop; plain httpx costs 3-5x the CPU of requests), registers its
``close_http_client`` with ``after_serving`` right after each ``app = Quart(...)``, and adds the
client's distributions to the project's dependencies (through F2Q117). The transport is the
``http_transport`` setting (``migrate --http-transport``): ``aiohttp`` (default), ``httpcore``,
``httpx2``.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule

from ._generated import write_generated
from ._http_helper import DEPENDENCIES, helper_module, helper_source

_USES_HELPER = "http_client"
_REGISTERS = "http_client_registered"


class SharedHttpClient(Rule):
    id = "F2Q204"
    name = "shared-http-client"
    summary = "generate the app's per-event-loop httpx client module; close it after serving"

    def _helper_module(self) -> str:
        index = self.context.plan.index
        return helper_module(index.modules, index.functions)

    def _program_converts_http(self) -> bool:
        return any(key.startswith("requests.") for key in self.context.plan.converted_optional_keys)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        app = self._created_app(original_node)
        if app is None or not self._program_converts_http():
            return updated_node
        module = self._helper_module()
        if self.context.model.module_name == module:
            return updated_node
        if self._already_registered():
            return updated_node
        close = self.context.name_for(module, "close_http_client")
        self.context.data[_REGISTERS] = True
        register = cst.parse_statement(f"{app}.after_serving({close})")
        return cst.FlattenSentinel([updated_node, register])

    def _created_app(self, statement: cst.SimpleStatementLine) -> str | None:
        if len(statement.body) != 1 or not isinstance(statement.body[0], cst.Assign):
            return None
        assign = statement.body[0]
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
            return None
        if not isinstance(assign.value, cst.Call):
            return None
        if self.context.callee_name(assign.value) != "flask.Flask":
            return None
        return assign.targets[0].target.value

    def _already_registered(self) -> bool:
        bindings = self.context.model.module_scope.bindings.get("close_http_client", [])
        return any(b.kind == "import" for b in bindings)

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        used = any(True for _ in project.data(_USES_HELPER)) or any(
            True for _ in project.data(_REGISTERS)
        )
        if not used:
            return
        transport = project.settings.http_transport
        index = project.plan.index
        module = helper_module(index.modules, index.functions)
        if not write_generated(project, module, helper_source(transport), cls.id):  # type: ignore[arg-type]
            return
        # applied with every other rule's requirements by F2Q117 (project-dependencies)
        project.dependencies.add.extend(DEPENDENCIES[transport])  # type: ignore[index]
