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

A file that uses anything mapped less than exactly (a key function other than
``get_remote_address``, shared limits, costs, ``exempt_when``, ``per_method``, storage other
than memory, headers, ``limiter.exempt`` on a blueprint, a limit that is not a literal
string ...) keeps Flask-Limiter and every such site is reported. Each conversion reports the
behaviour quart-rate-limiter changes on purpose (GCRA instead of a fixed window; its 429 body and
``RateLimit-*`` headers). The dependency lists get quart-rate-limiter instead of Flask-Limiter.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._dependencies import requirement_name
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FieldlessVisitor, FileContext
from flask2quart.analysis.model import dotted_name

from ._config_keys import ConfigKeyHooks, setting_of, string_value, with_setting
from ._exports import keeps_name, renamed_alias
from ._extensions import BY_NAME
from ._rate_limits import Limit, parse_limits
from .extension_inventory import mark_handled

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
    # config modules need not mention Flask: their RATELIMIT_* settings are still this rule's
    triggers = frozenset({"RATELIMIT_"})

    names: ClassVar[frozenset[str]] = frozenset({"Limiter", "get_remote_address"})
    renamed_imports: ClassVar[frozenset[str]] = frozenset({LIMITER})
    attribute_names: ClassVar[frozenset[str]] = frozenset(
        "limit shared_limit exempt request_filter reset storage limiter current_limit "
        "current_limits identify_request check enabled".split()
    )
    # both register the view and return it: rate_limit/rate_exempt only tag the function
    transparent_decorators: ClassVar[frozenset[str]] = frozenset(
        {f"{LIMITER}.limit", f"{LIMITER}.exempt"}
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._problems: list[tuple[cst.CSTNode, str]] = []
        self._uses = False
        self._decorators: dict[cst.BaseExpression, str] = {}  # decorator expression -> kind
        self._remote_name: str | None = None  # local name of get_remote_address, if imported
        self._needs_skip_helper = False

    # ------------------------------------------------------------------ what can convert

    def visit_Module(self, node: cst.Module) -> None:
        if "flask_limiter" not in self.context.source_text:
            return  # the import walk below costs a traversal; most files have nothing to find
        self._check_imports(node)
        if not self._uses:
            return
        self._collect_decorators()
        for call in self.context.model.calls:
            problem = self._call_problem(call)
            if problem is not None:
                self._problems.append((call, problem))
        for attribute in self.context.model.attributes:
            key = self.context.member_key(attribute)
            if (
                key is not None
                and key.startswith(f"{LIMITER}.")
                and key != f"{LIMITER}.init_app"
                and not self._is_handled_attribute(attribute)
            ):
                self._problems.append((attribute, f"`{key[len(LIMITER) + 1 :]}` of a Limiter"))

    def _check_imports(self, module: cst.Module) -> None:
        top_level = {
            small
            for statement in module.body
            if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
        }
        for node in _walk_imports(module):
            if isinstance(node, cst.Import):
                if any(dotted_name(a.name).split(".")[0] == "flask_limiter" for a in node.names):
                    self._uses = True
                    self._problems.append((node, "`import flask_limiter`"))
                continue
            if not _is_flask_limiter_import(node):
                continue
            self._uses = True
            module_name = dotted_name(node.module)
            known = IMPORTS.get(module_name, {})
            if node not in top_level:
                self._problems.append((node, "an import inside a function or block"))
            if isinstance(node.names, cst.ImportStar):
                self._problems.append((node, "`import *`"))
                continue
            for alias in node.names:
                name = dotted_name(alias.name)
                if name not in known:
                    self._problems.append((node, f"{module_name}.{name} has no counterpart"))
                elif known[name] is None:
                    asname = alias.asname
                    self._remote_name = (
                        asname.name.value
                        if asname is not None and isinstance(asname.name, cst.Name)
                        else name
                    )

    def _collect_decorators(self) -> None:
        for function in self.context.model.function_by_node:
            kinds = []
            for decorator in function.decorators:
                expression = decorator.decorator
                kind = self._decorator_kind(expression)
                if kind is not None:
                    self._decorators[expression] = kind
                    kinds.append((expression, kind))
            if any(k == "exempt" for _, k in kinds) and any(k == "limit" for _, k in kinds):
                expression = next(e for e, k in kinds if k == "exempt")
                self._problems.append(
                    (expression, "exempt and limit on one view (rate_exempt drops both)")
                )

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

    def _is_handled_attribute(self, attribute: cst.Attribute) -> bool:
        if attribute in self._decorators:
            return True  # @limiter.exempt
        # the callee of a call _call_problem judges (limiter.limit(...), limiter.init_app(...))
        return any(call.func is attribute for call in self.context.model.calls)

    def _call_problem(self, call: cst.Call) -> str | None:
        name = self.context.callee_name(call)
        if name == LIMITER:
            return self._limiter_problem(call)
        if name == f"{LIMITER}.limit":
            if self._decorators.get(call) != "limit":
                return "limiter.limit(...) used other than as a view decorator (a blueprint?)"
            return self._limit_problem(call)
        if name is not None and name.startswith(f"{LIMITER}.") and name != f"{LIMITER}.init_app":
            return f"`{name[len(LIMITER) + 1 :]}(...)` of a Limiter"
        return None

    def _limiter_problem(self, call: cst.Call) -> str | None:
        positional = [a for a in call.args if a.keyword is None]
        keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
        unknown = sorted(k for k in keywords if k not in LIMITER_OPTIONS)
        if unknown:
            return f"quart-rate-limiter has no exact counterpart of {', '.join(unknown)}"
        if len(positional) > 1 or any(a.star for a in call.args):
            return "arguments passed by position or unpacked"
        key = positional[0] if positional else keywords.get("key_func")
        if key is None or not self._is_remote_address(key.value, call):
            return "a key function other than get_remote_address (it must become `async def`)"
        if "enabled" in keywords and "app" not in keywords:
            return "enabled= without app= (RateLimiter reads it only with the app)"
        defaults = keywords.get("default_limits")
        if defaults is not None and self._limit_list(defaults.value) is None:
            return "default_limits that are not a list of literal limit strings"
        return None

    def _limit_problem(self, call: cst.Call) -> str | None:
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
        key = keywords.get("key_func")
        if key is not None and not self._is_remote_address(key.value, call):
            return "a key function other than get_remote_address (it must become `async def`)"
        override = keywords.get("override_defaults")
        if override is not None and not isinstance(override.value, cst.Name | cst.Call):
            return "override_defaults that is not True"
        if override is not None and dotted_name(override.value) != "True":
            return "override_defaults=False (route_has_own_limits would skip the defaults)"
        return None

    def _is_remote_address(self, expression: cst.BaseExpression, call: cst.Call) -> bool:
        site = self.context.model.calls.get(call)
        if site is None:
            return False
        key = self.context.evaluator.key_of(self.context.type_of(expression, site))
        return key == REMOTE_ADDRESS

    def _limit_list(self, expression: cst.BaseExpression) -> list[Limit] | None:
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

    @property
    def _convertible(self) -> bool:
        return self._uses and not self._problems

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
        args.append(self._keyword("key_function", key.value))
        if "default_limits" in keywords:
            limits = self._limit_list(keywords["default_limits"].value)
            assert limits is not None
            self._needs_skip_helper = True
            elements = [cst.Element(self._rate_limit(limit, SKIP_HELPER)) for limit in limits]
            args.append(self._keyword("default_limits", cst.List(elements)))
        if "enabled" in keywords:
            args.append(self._keyword("enabled", keywords["enabled"].value))
        self.context.data[DATA_KEY] = True
        return updated_node.with_changes(args=_comma_separated(args))

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
            args.append(self._keyword("key_function", key.value))
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
        mark_handled(self.context, EXTENSION.name)
        if not self._convertible:
            for node, problem in self._problems:
                self._report(node, problem)
            return updated_node
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
        if helpers and first is not None:
            # after the imports around the Flask-Limiter one: where its names were bound
            at = first
            while at < len(body) and _is_import_line(body[at]):
                at += 1
            if at < len(body):
                body[at] = _with_blank_lines(body[at], 2)
            body[at:at] = helpers
        return updated_node.with_changes(body=body)

    def _helpers(self) -> list[cst.BaseStatement]:
        helpers: list[cst.BaseStatement] = []
        request = self.context.name_for("quart", "request")
        if self._remote_name is not None:
            helpers.append(
                cst.parse_statement(
                    f"async def {self._remote_name}() -> str:\n"
                    "    # Flask-Limiter's key: the peer address, never X-Forwarded-For\n"
                    f'    return {request}.remote_addr or "127.0.0.1"\n'
                )
            )
        if self._needs_skip_helper:
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
        self.context.report(
            node,
            self.id,
            "error",
            f"Flask-Limiter was left in this file: {problem}",
            f"port it to quart-rate-limiter by hand ({EXTENSION.docs}), or change it so "
            "migrate can, and run migrate again",
        )

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if any(flag for _, flag in project.data(DATA_KEY)):
            name = requirement_name("Flask-Limiter")
            project.dependencies.replace[name] = EXTENSION.requirement


def _walk_imports(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    found: list[cst.Import | cst.ImportFrom] = []

    class Collector(FieldlessVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.append(node)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            found.append(node)

    module.visit(Collector())
    return found


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
