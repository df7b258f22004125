"""F2Q406: Flask-Limiter -> quart-rate-limiter.

Flask-Limiter reads Flask's request context; quart-rate-limiter is the Quart counterpart. Its
key function is awaited, so Flask-Limiter's sync ``get_remote_address`` becomes an ``async def``
of the same name in the file (the peer address, as before: quart-rate-limiter's own
``remote_addr_key`` trusts ``X-Forwarded-For``, which a client can forge)::

    from flask_limiter import Limiter          ->  from quart_rate_limiter import RateLimiter
    from flask_limiter.util import get_remote_address      (an async def of that name instead)
    Limiter(get_remote_address, app=app, default_limits=["200 per day"])
        ->  RateLimiter(app, key_function=get_remote_address,
                        default_limits=[RateLimit(200, timedelta(days=1),
                                                  skip_function=route_has_own_limits)])
    @limiter.limit("5 per minute")             ->  @rate_limit(5, timedelta(minutes=1))
    @limiter.limit("5/minute;100/day")         ->  @rate_limit(limits=[RateLimit(...), ...])
    @limiter.exempt                            ->  @rate_exempt

A route's own limits replace the default limits in Flask-Limiter but add to them in
quart-rate-limiter, so each default limit gets ``skip_function=route_has_own_limits``, a helper
written into the file. ``RATELIMIT_ENABLED`` becomes ``QUART_RATE_LIMITER_ENABLED``.

A key function of the app's own (a sync module-level ``def``) is awaited through an
``async def async_<name>()`` that calls it; one the analysis makes async is passed as it is.

The decision is the project's, not the file's: a limiter is used across modules (built in
one, ``init_app`` in the factory, ``@limiter.limit`` in blueprint modules that never import
Flask-Limiter, ``limiter.reset()`` in a conftest), so the analysis records every module's uses
(``file_facts``) and each module's transform judges all of them the same way. If any use is
mapped less than exactly (a key function other than ``get_remote_address`` or one of the
project, shared limits, costs, ``exempt_when``, ``per_method``, storage other than memory,
headers, ``limiter.limit``/``exempt`` on a blueprint, a limit that is not a literal string,
``reset()``, ``enabled = ...`` ...) the whole project keeps Flask-Limiter, its settings and its
dependency, and every such site is reported. Each conversion reports the
behaviour quart-rate-limiter changes on purpose (GCRA instead of a fixed window; its 429 body and
``RateLimit-*`` headers). The dependency lists get quart-rate-limiter instead of Flask-Limiter.
"""

from __future__ import annotations

from typing import Any, ClassVar

import libcst as cst

from flask2quart._dependencies import requirement_name
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FieldlessVisitor, FileContext
from flask2quart.analysis.model import FileModel, dotted_name
from flask2quart.analysis.refs import Ref
from flask2quart.analysis.solve import Plan
from flask2quart.analysis.types import Evaluator

from ._config_keys import ConfigKeyHooks, setting_of, string_value, with_setting
from ._exports import keeps_name, renamed_alias
from ._extensions import BY_NAME
from ._rate_limits import Limit, parse_limits
from .extension_inventory import mark_handled, mark_left
from .flask_extension_bridge import KEPT as BRIDGE_KEPT

EXTENSION = BY_NAME["Flask-Limiter"]
LIMITER = "flask_limiter.Limiter"
REMOTE_ADDRESS = "flask_limiter.util.get_remote_address"
# Flask-Limiter module -> names it exports that have an exact counterpart (None: dropped)
IMPORTS: dict[str, dict[str, str | None]] = {
    "flask_limiter": {"Limiter": "RateLimiter", "RateLimitExceeded": "RateLimitExceeded"},
    "flask_limiter.errors": {"RateLimitExceeded": "RateLimitExceeded"},
    "flask_limiter.util": {"get_remote_address": None},
}
LIMITER_OPTIONS = frozenset({"key_func", "app", "default_limits", "enabled", "strategy"})
LIMIT_OPTIONS = frozenset({"key_func", "override_defaults"})
SKIP_HELPER = "route_has_own_limits"
ENABLED_KEYS = {"RATELIMIT_ENABLED": "QUART_RATE_LIMITER_ENABLED"}
DATA_KEY = "flask_limiter_converted"
# Flask-Limiter's public members: any of them on a Limiter is a use the analysis must see
MEMBERS = frozenset(
    "limit shared_limit exempt request_filter reset storage limiter current_limit "
    "current_limits identify_request check enabled init_app initialized logger "
    "context".split()
)
# one use of Flask-Limiter, as the analysis records it (plain data, see Rule.file_facts):
# (kind, reference, problem or None, reference of its key function or None, whether that key
# function is named at module level) where kind is "import" (any flask_limiter import: always
# a use), "new" (a call that may build a Limiter), "member" (an attribute that may be a
# Limiter's) or "remote" (a call of get_remote_address)
Use = tuple[str, Ref | None, str | None, Ref | None, bool]


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _is_flask_limiter_import(node: cst.BaseSmallStatement) -> bool:
    return (
        isinstance(node, cst.ImportFrom)
        and not node.relative
        and dotted_name(node.module).split(".")[0] == "flask_limiter"
    )


class FlaskLimiterToQuartRateLimiter(ConfigKeyHooks, Rule):
    id = "F2Q406"
    name = "flask-limiter-to-quart-rate-limiter"
    summary = "Flask-Limiter -> quart-rate-limiter: RateLimiter(...), @rate_limit(n, timedelta)"
    # config modules need not mention Flask: their RATELIMIT_* settings are still this rule's;
    # a module that only uses the limiter (``@limiter.limit`` in a blueprint) must be analysed
    triggers = frozenset({"RATELIMIT_", "limiter", "Limiter"})

    names: ClassVar[frozenset[str]] = frozenset({"Limiter", "get_remote_address"})
    renamed_imports: ClassVar[frozenset[str]] = frozenset({LIMITER})
    attribute_names: ClassVar[frozenset[str]] = MEMBERS
    # both register the view and return it: rate_limit/rate_exempt only tag the function
    transparent_decorators: ClassVar[frozenset[str]] = frozenset(
        {f"{LIMITER}.limit", f"{LIMITER}.exempt"}
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._problems: list[tuple[cst.CSTNode, str]] = []
        self._uses = False
        self._blocked = False
        self._decorators: dict[cst.BaseExpression, str] = {}  # decorator expression -> kind
        self._remote_name: str | None = None  # local name of get_remote_address, if imported
        self._needs_skip_helper = False
        self._wrapped: dict[str, str] = {}  # sync key function -> the async def that calls it

    # ------------------------------------------------------------------ what can convert
    #
    # Every use of a Limiter, in any module, decides for all of them: a limiter converts only
    # if each of its uses has a counterpart, so the analysis records each module's uses
    # (file_facts) and every module's transform judges them all the same way (_judge).

    @classmethod
    def file_facts(cls, model: FileModel) -> Any:
        uses = [use for _, use in _collect_uses(model)]
        return uses or None

    def visit_Module(self, node: cst.Module) -> None:
        evaluator = self.context.evaluator
        for site, use in _collect_uses(self.context.model):
            applies, problem = _judge(use, evaluator, self.context.plan)
            if not applies:
                continue
            self._uses = True
            if problem is not None:
                self._problems.append((site, problem))
        if not self._uses:
            return
        blockers = _blocking_modules(self.context.plan, self.id, evaluator)
        self._blocked = bool(blockers)
        if self._blocked and not self._problems:
            first = next(
                site
                for site, use in _collect_uses(self.context.model)
                if _judge(use, evaluator, self.context.plan)[0]
            )
            where = "module " + ", ".join(blockers)
            self._problems.append(
                (
                    first,
                    f"the limiter is also used in {where} in ways quart-rate-limiter has no "
                    "exact counterpart for (reported there), and a limiter converts whole",
                )
            )
        self._remote_name = _remote_name(self.context.model.module)
        self._collect_decorators()

    def _collect_decorators(self) -> None:
        for function in self.context.model.function_by_node:
            for decorator in function.decorators:
                expression = decorator.decorator
                kind = self._decorator_kind(expression)
                if kind is not None:
                    self._decorators[expression] = kind

    def _decorator_kind(self, expression: cst.BaseExpression) -> str | None:
        if (
            isinstance(expression, cst.Call)
            and self.context.callee_name(expression) == f"{LIMITER}.limit"
        ):
            return "limit"
        if (
            isinstance(expression, cst.Attribute)
            and self.context.member_key(expression) == f"{LIMITER}.exempt"
        ):
            return "exempt"
        return None

    @property
    def _convertible(self) -> bool:
        return self._uses and not self._problems and not self._blocked

    # ------------------------------------------------------------------ rewrites

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._convertible or not isinstance(updated_node, cst.Call):
            return updated_node
        if self.context.callee_name(original_node) != LIMITER:
            return updated_node
        self.context.report(
            original_node,
            self.id,
            "info",
            "quart-rate-limiter lets one request through every period/count once a burst has "
            "used the limit (GCRA) where Flask-Limiter waited for its fixed window to end; its "
            "429 says 'This user has exceeded an allotted request count' and limited responses "
            "carry RateLimit-Limit/Remaining/Reset (and Retry-After on 429)",
            "nothing to do unless clients or tests read the 429 body or the headers",
        )
        args: list[cst.Arg] = []
        keywords = {a.keyword.value: a for a in updated_node.args if a.keyword is not None}
        if "app" in keywords:
            args.append(cst.Arg(keywords["app"].value))
        key = next((a for a in updated_node.args if a.keyword is None), keywords.get("key_func"))
        assert key is not None
        args.append(self._keyword("key_function", self._key(key.value, original_node)))
        if "default_limits" in keywords:
            limits = _limit_list(keywords["default_limits"].value)
            assert limits is not None
            self._needs_skip_helper = True
            elements = [cst.Element(self._rate_limit(limit, SKIP_HELPER)) for limit in limits]
            args.append(self._keyword("default_limits", cst.List(elements)))
        if "enabled" in keywords:
            args.append(self._keyword("enabled", keywords["enabled"].value))
        self.context.data[DATA_KEY] = True
        return updated_node.with_changes(args=_comma_separated(args))

    def _key(self, expression: cst.BaseExpression, call: cst.Call) -> cst.BaseExpression:
        """The key function quart-rate-limiter awaits for Flask-Limiter's ``expression``."""
        site = self.context.model.calls[call]
        ref = self.context.model.ref_of(expression, site.scope)
        if key_function(ref, self.context.evaluator, self.context.plan) != "wrap":
            return expression
        assert isinstance(expression, cst.Name)
        wrapper = f"async_{expression.value}"
        self._wrapped[expression.value] = wrapper
        return cst.Name(wrapper)

    @staticmethod
    def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
        equal = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        return cst.Arg(value, keyword=cst.Name(name), equal=equal)

    def _timedelta(self, limit: Limit) -> cst.BaseExpression:
        timedelta = self.context.name_for("datetime", "timedelta")
        return cst.parse_expression(f"{timedelta}({limit.timedelta_arguments()})")

    def _rate_limit(self, limit: Limit, skip: str | None = None) -> cst.Call:
        args = [cst.Arg(cst.Integer(str(limit.count))), cst.Arg(self._timedelta(limit))]
        if skip is not None:
            args.append(self._keyword("skip_function", cst.Name(skip)))
        name = self.context.name_for("quart_rate_limiter", "RateLimit")
        return cst.Call(cst.Name(name), _comma_separated(args))

    def leave_Decorator(
        self, original_node: cst.Decorator, updated_node: cst.Decorator
    ) -> cst.Decorator:
        kind = self._decorators.get(original_node.decorator)
        if not self._convertible or kind is None:
            return updated_node
        if kind == "exempt":
            exempt = self.context.name_for("quart_rate_limiter", "rate_exempt")
            return updated_node.with_changes(decorator=cst.Name(exempt))
        call = original_node.decorator
        assert isinstance(call, cst.Call)
        limits = parse_limits(string_value(call.args[0].value) or "")
        assert limits is not None
        rate_limit = self.context.name_for("quart_rate_limiter", "rate_limit")
        key = _keyword(call, "key_func")
        if len(limits) == 1:
            args = [cst.Arg(cst.Integer(str(limits[0].count))), cst.Arg(self._timedelta(limits[0]))]
        else:
            elements = [cst.Element(self._rate_limit(limit)) for limit in limits]
            args = [self._keyword("limits", cst.List(elements))]
        if key is not None:
            args.append(self._keyword("key_function", self._key(key.value, call)))
        return updated_node.with_changes(
            decorator=cst.Call(cst.Name(rate_limit), _comma_separated(args))
        )

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if (
            not self._convertible
            or original_node.value != "Limiter"
            or keeps_name(self.context, "Limiter")
        ):
            return updated_node
        site = self.context.model.names.get(original_node)
        if site is None:
            return updated_node
        bindings = self.context.model.lookup("Limiter", site.scope)
        if bindings and all(b.kind == "import" and b.fqn == LIMITER for b in bindings):
            return updated_node.with_changes(value="RateLimiter")
        return updated_node

    # ------------------------------------------------------------------ config keys

    def _config(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        setting = setting_of(updated)
        if setting is None or not setting.key.startswith("RATELIMIT_"):
            return updated
        if _blocking_modules(self.context.plan, self.id, self.context.evaluator):
            return updated  # Flask-Limiter stays, and reads its settings as before
        if setting.key in ENABLED_KEYS:
            return with_setting(updated, ENABLED_KEYS[setting.key], setting.value)
        if setting.key == "RATELIMIT_STORAGE_URI" and string_value(setting.value) == "memory://":
            return updated  # quart-rate-limiter's default store is in memory too
        self.context.report(
            original,
            self.id,
            "warning",
            f"quart-rate-limiter does not read {setting.key}",
            "pass its counterpart to RateLimiter(...) (default_limits=[RateLimit(...)], "
            f"store=..., key_function=...) or drop it ({EXTENSION.docs})",
        )
        return updated

    # ------------------------------------------------------------------ imports and helpers

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self._uses:
            return updated_node
        if not self._convertible:
            mark_left(self.context, EXTENSION.name)
            bridged: list[str] = self.context.data.setdefault(BRIDGE_KEPT, [])
            bridged.extend(EXTENSION.modules)  # F2Q409 imports the bridge, which it works through
            for node, problem in self._problems:
                self._report(node, problem)
            return updated_node
        mark_handled(self.context, EXTENSION.name)
        body: list[cst.BaseStatement] = []
        first: int | None = None
        for statement in updated_node.body:
            if isinstance(statement, cst.SimpleStatementLine) and any(
                _is_flask_limiter_import(s) for s in statement.body
            ):
                first = len(body) if first is None else first
                kept = [
                    _moved_import(self.context, s) if _is_flask_limiter_import(s) else s
                    for s in statement.body
                ]
                small = [s for s in kept if s is not None]
                if small:
                    body.append(statement.with_changes(body=_last_without_semicolon(small)))
                continue
            body.append(statement)
        helpers = self._helpers()
        if helpers:
            # after the imports around the Flask-Limiter one (where its names were bound), or
            # after the module's leading docstring and imports
            at = first if first is not None else 0
            if first is None and body and _is_docstring(body[0]):
                at = 1
            while at < len(body) and _is_import_line(body[at]):
                at += 1
            if at < len(body):
                body[at] = _with_blank_lines(body[at], 2)
            body[at:at] = helpers
        return updated_node.with_changes(body=body)

    def _helpers(self) -> list[cst.BaseStatement]:
        helpers: list[cst.BaseStatement] = []
        if self._remote_name is not None:
            request = self.context.name_for("quart", "request")
            helpers.append(
                cst.parse_statement(
                    f"async def {self._remote_name}() -> str:\n"
                    "    # Flask-Limiter's key: the peer address, never X-Forwarded-For\n"
                    f'    return {request}.remote_addr or "127.0.0.1"\n'
                )
            )
        for name, wrapper in self._wrapped.items():
            helpers.append(
                cst.parse_statement(
                    f"async def {wrapper}():\n"
                    "    # quart-rate-limiter awaits its key function; Flask-Limiter called this\n"
                    f"    return {name}()\n"
                )
            )
        if self._needs_skip_helper:
            request = self.context.name_for("quart", "request")
            app = self.context.name_for("quart", "current_app")
            limits = self.context.name_for(
                "quart_rate_limiter", "QUART_RATE_LIMITER_LIMITS_ATTRIBUTE"
            )
            helpers.append(
                cst.parse_statement(
                    f"async def {SKIP_HELPER}() -> bool:\n"
                    "    # Flask-Limiter's route limits replace the default limits\n"
                    f"    view = {app}.view_functions.get({request}.endpoint)\n"
                    f"    return hasattr(view, {limits})\n"
                )
            )
        return [_with_blank_lines(helper, 2) for helper in helpers]

    def _report(self, node: cst.CSTNode, problem: str) -> None:
        if "blueprint" in problem:
            # Flask-Limiter tells a Flask blueprint from a view; a Quart one it takes for a view
            self.context.report(
                node,
                self.id,
                "error",
                f"Flask-Limiter was left in this file: {problem}",
                "Flask-Limiter does not know a Quart blueprint, so this limit is not applied: "
                "limit its views one by one, or port the limiter to quart-rate-limiter by hand "
                f"({EXTENSION.docs})",
            )
            return
        self.context.report(
            node,
            self.id,
            "warning",
            f"Flask-Limiter was left in this file: {problem}",
            "it keeps working through the bridge (F2Q409: its checks read Quart's request as "
            "Flask's, in worker threads); port it to quart-rate-limiter by hand for limits "
            f"checked on the event loop ({EXTENSION.docs}), or change it so migrate can",
        )

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if any(flag for _, flag in project.data(DATA_KEY)):
            name = requirement_name("Flask-Limiter")
            project.dependencies.replace[name] = EXTENSION.requirement


def _collect_uses(model: FileModel) -> list[tuple[cst.CSTNode, Use]]:
    """Every expression of the file that may use Flask-Limiter, judged by its form alone (what
    it denotes is known only once the whole program is: ``_judge``)."""
    uses: list[tuple[cst.CSTNode, Use]] = []
    if _imports_flask_limiter(model):
        for node, problem in _import_uses(model.module):
            uses.append((node, ("import", None, problem, None, False)))
    decorators = _decorator_owners(model)
    callees = {call.func: call for call in model.calls}
    for attribute, site in model.attributes.items():
        name = attribute.attr.value
        if name not in MEMBERS:
            continue
        ref = model.ref_of(attribute, site.scope)
        call = callees.get(attribute)
        key: Ref | None = None
        named = False
        if call is not None:
            problem = _member_call_problem(name, call, call in decorators)
            key_arg = _keyword(call, "key_func") if name == "limit" else None
            if key_arg is not None:
                key = _argument_ref(model, key_arg.value, call)
                named = _named_at_module_level(model, key_arg.value, call)
        elif name == "exempt" and attribute in decorators:
            problem = None
            if any(_is_limit_call(d) for d in decorators[attribute]):
                problem = "exempt and limit on one view (rate_exempt drops both)"
        elif name == "exempt":
            problem = "limiter.exempt used other than as a view decorator (a blueprint?)"
        else:
            problem = f"`{name}` of a Limiter"
        uses.append((attribute, ("member", ref, problem, key, named)))
    for attribute, site in model.attribute_stores.items():
        name = attribute.attr.value
        if name in MEMBERS:
            ref = model.ref_of(attribute, site.scope)
            uses.append((attribute, ("member", ref, f"`{name}` of a Limiter set", None, False)))
    for call, site in model.calls.items():
        last = _last_name(call.func)
        if last == "Limiter":
            problem, key_expression = _limiter_problem(call)
            key = None if key_expression is None else _argument_ref(model, key_expression, call)
            named = key_expression is not None and _named_at_module_level(
                model, key_expression, call
            )
            new = ("new", model.ref_of(call.func, site.scope), problem, key, named)
            uses.append((call, new))
        elif last == "get_remote_address":
            problem = "get_remote_address() called directly (its counterpart is a coroutine)"
            remote = ("remote", model.ref_of(call.func, site.scope), problem, None, False)
            uses.append((call, remote))
    return uses


def _judge(use: Use, evaluator: Evaluator, plan: Plan) -> tuple[bool, str | None]:
    """(whether it is a use of Flask-Limiter, what keeps it from converting or None)."""
    kind, ref, problem, key, named = use
    if kind == "import":
        return True, problem
    assert ref is not None
    if kind == "member":
        member = evaluator.member_key(ref)
        if member is None or not member.startswith(f"{LIMITER}."):
            return False, None
    else:
        wanted = LIMITER if kind == "new" else REMOTE_ADDRESS
        if evaluator.key_of(evaluator.evaluate(ref)) != wanted:
            return False, None
    if problem is None and key is not None:
        problem = _key_problem(key_function(key, evaluator, plan), named)
    return True, problem


def key_function(key: Ref, evaluator: Evaluator, plan: Plan) -> str:
    """How a key function converts: "remote" (get_remote_address: its async counterpart),
    "async" (a function of the project that becomes ``async def``: passed as it is), "wrap"
    (one that stays sync: an ``async def`` calls it), or why it cannot."""
    value = evaluator.evaluate(key)
    target = evaluator.key_of(value)
    if target == REMOTE_ADDRESS:
        return "remote"
    summary = evaluator.index.functions.get(target or "")
    if value[0] != "fn" or summary is None:
        return "a key function other than get_remote_address or a function of the project"
    if summary.class_fqn is not None or summary.params or summary.is_generator:
        return "a key function that is a method, takes parameters or is a generator"
    return "async" if plan.is_async(summary.fqn) else "wrap"


def _key_problem(how: str, named: bool) -> str | None:
    if how in ("remote", "async"):
        return None
    if how == "wrap":
        return None if named else "a key function not named by a module-level name"
    return how


_DECISIONS: list[tuple[Plan, list[str]]] = []  # the last plan judged, and its blocking modules


def _blocking_modules(plan: Plan, rule: str, evaluator: Evaluator) -> list[str]:
    """The modules with a use of Flask-Limiter that cannot convert: one answer per run."""
    if _DECISIONS and _DECISIONS[0][0] is plan:
        return _DECISIONS[0][1]
    blocking = [
        module
        for module, uses in sorted(plan.rule_facts.get(rule, {}).items())
        if any(_judge(tuple(use), evaluator, plan)[1] is not None for use in uses)
    ]
    _DECISIONS[:] = [(plan, blocking)]
    return blocking


def _imports_flask_limiter(model: FileModel) -> bool:
    scopes = [model.module_scope, *(f.scope for f in model.functions)]
    return any(
        binding.kind == "import" and binding.fqn.split(".")[0] == "flask_limiter"
        for scope in scopes
        for bindings in scope.bindings.values()
        for binding in bindings
    )


def _import_uses(module: cst.Module) -> list[tuple[cst.CSTNode, str | None]]:
    top_level = {
        small
        for statement in module.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
    }
    found: list[tuple[cst.CSTNode, str | None]] = []
    for node in _walk_imports(module):
        if isinstance(node, cst.Import):
            if any(dotted_name(a.name).split(".")[0] == "flask_limiter" for a in node.names):
                found.append((node, "`import flask_limiter`"))
            continue
        if not _is_flask_limiter_import(node):
            continue
        module_name = dotted_name(node.module)
        known = IMPORTS.get(module_name, {})
        problem: str | None = None
        if node not in top_level:
            problem = "an import inside a function or block"
        elif isinstance(node.names, cst.ImportStar):
            problem = "`import *`"
        else:
            unknown = [dotted_name(a.name) for a in node.names if dotted_name(a.name) not in known]
            if unknown:
                problem = f"{module_name}.{unknown[0]} has no counterpart"
        found.append((node, problem))
    return found


def _remote_name(module: cst.Module) -> str | None:
    """The local name ``from flask_limiter.util import get_remote_address`` binds, if any."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not _is_flask_limiter_import(small):
                continue
            assert isinstance(small, cst.ImportFrom)
            if isinstance(small.names, cst.ImportStar):
                continue
            known = IMPORTS.get(dotted_name(small.module), {})
            for alias in small.names:
                name = dotted_name(alias.name)
                if name in known and known[name] is None:
                    asname = alias.asname
                    if asname is not None and isinstance(asname.name, cst.Name):
                        return asname.name.value
                    return name
    return None


def _decorator_owners(model: FileModel) -> dict[cst.BaseExpression, list[cst.BaseExpression]]:
    """Each decorator expression -> every decorator expression of the same function."""
    owners: dict[cst.BaseExpression, list[cst.BaseExpression]] = {}
    for function in model.function_by_node:
        expressions = [d.decorator for d in function.decorators]
        for expression in expressions:
            owners[expression] = expressions
    return owners


def _is_limit_call(expression: cst.BaseExpression) -> bool:
    return (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Attribute)
        and expression.func.attr.value == "limit"
    )


def _last_name(expression: cst.BaseExpression) -> str | None:
    if isinstance(expression, cst.Name):
        return expression.value
    if isinstance(expression, cst.Attribute):
        return expression.attr.value
    return None


def _named_at_module_level(
    model: FileModel, expression: cst.BaseExpression, call: cst.Call
) -> bool:
    """A name an ``async def`` written at the top of the module can call as well."""
    if not isinstance(expression, cst.Name):
        return False
    site = model.calls[call]
    here = model.lookup(expression.value, site.scope)
    return bool(here) and here == model.module_scope.bindings.get(expression.value)


def _argument_ref(model: FileModel, expression: cst.BaseExpression, call: cst.Call) -> Ref:
    site = model.calls[call]
    return model.ref_of(expression, site.scope)


def _member_call_problem(name: str, call: cst.Call, decorates: bool) -> str | None:
    if name == "limit":
        if not decorates:
            return "limiter.limit(...) used other than as a view decorator (a blueprint?)"
        return _limit_problem(call)
    if name == "init_app":
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return "init_app(...) with more than the app"
        return None
    return f"`{name}(...)` of a Limiter"


def _limiter_problem(call: cst.Call) -> tuple[str | None, cst.BaseExpression | None]:
    """(what keeps ``Limiter(...)`` from converting, by its form; its key function)."""
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    unknown = sorted(k for k in keywords if k not in LIMITER_OPTIONS)
    if unknown:
        return f"quart-rate-limiter has no exact counterpart of {', '.join(unknown)}", None
    if len(positional) > 1 or any(a.star for a in call.args):
        return "arguments passed by position or unpacked", None
    key = positional[0] if positional else keywords.get("key_func")
    if key is None:
        return "a Limiter without a key function", None
    if "enabled" in keywords and "app" not in keywords:
        return "enabled= without app= (RateLimiter reads it only with the app)", None
    defaults = keywords.get("default_limits")
    if defaults is not None and _limit_list(defaults.value) is None:
        return "default_limits that are not a list of literal limit strings", None
    return None, key.value


def _limit_problem(call: cst.Call) -> str | None:
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    unknown = sorted(k for k in keywords if k not in LIMIT_OPTIONS)
    if unknown:
        return f"quart-rate-limiter has no exact counterpart of {', '.join(unknown)}"
    positional = [a for a in call.args if a.keyword is None]
    if len(positional) != 1 or positional[0].star:
        return "limiter.limit() without one limit string"
    text = string_value(positional[0].value)
    if text is None:
        return "a limit that is not a literal string (a callable or a variable)"
    if parse_limits(text) is None:
        return f"a limit string flask2quart cannot map exactly ({text!r})"
    override = keywords.get("override_defaults")
    if override is not None and not isinstance(override.value, cst.Name | cst.Call):
        return "override_defaults that is not True"
    if override is not None and dotted_name(override.value) != "True":
        return "override_defaults=False (route_has_own_limits would skip the defaults)"
    return None


def _limit_list(expression: cst.BaseExpression) -> list[Limit] | None:
    if not isinstance(expression, cst.List | cst.Tuple):
        return None
    limits: list[Limit] = []
    for element in expression.elements:
        text = string_value(element.value) if isinstance(element, cst.Element) else None
        parsed = parse_limits(text) if text is not None else None
        if parsed is None:
            return None
        limits.extend(parsed)
    return limits


def _walk_imports(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    found: list[cst.Import | cst.ImportFrom] = []

    class Collector(FieldlessVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.append(node)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            found.append(node)

    module.visit(Collector())
    return found


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Import | cst.ImportFrom) for s in statement.body
    )


def _moved_import(
    context: FileContext, node: cst.BaseSmallStatement
) -> cst.BaseSmallStatement | None:
    """A checked ``from flask_limiter... import`` on quart_rate_limiter (None: nothing left)."""
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    known = IMPORTS[dotted_name(node.module)]
    names = [
        renamed_alias(context, alias, target).with_changes(comma=cst.MaybeSentinel.DEFAULT)
        for alias in node.names
        if (target := known[dotted_name(alias.name)]) is not None
    ]
    if not names:
        return None
    return node.with_changes(
        module=cst.Name("quart_rate_limiter"), names=names, lpar=None, rpar=None
    )


def _last_without_semicolon(
    small: list[cst.BaseSmallStatement],
) -> list[cst.BaseSmallStatement]:
    last = small[-1]
    if isinstance(last, cst.ImportFrom | cst.Import | cst.Expr | cst.Assign):
        small[-1] = last.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return small


def _comma_separated(args: list[cst.Arg]) -> list[cst.Arg]:
    return [
        arg.with_changes(
            comma=cst.MaybeSentinel.DEFAULT
            if index == len(args) - 1
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        for index, arg in enumerate(args)
    ]


def _with_blank_lines(statement: cst.BaseStatement, count: int) -> cst.BaseStatement:
    if not isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement):
        return statement
    lines = list(statement.leading_lines)
    blank = 0
    for line in lines:
        if line.comment is None:
            blank += 1
        else:
            break
    missing = max(0, count - blank)
    return statement.with_changes(leading_lines=[cst.EmptyLine()] * missing + lines)
