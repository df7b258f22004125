"""Scenarios: which requests to send, how often, and which upstream services to mock.

A scenario is a TOML file::

    compare_headers = ["location"]        # compared by the equivalence check (default shown)

    [[requests]]
    name = "item"                         # optional, shown in reports (default: METHOD path)
    method = "GET"                        # GET POST PUT PATCH DELETE (default GET)
    path = "/item/{id}"                   # "{var}" is replaced by a variable (below)
    query = { verbose = "1" }             # optional
    headers = { "X-Token" = "t" }         # optional
    json = { id = "{id}" }                # or form = {...}, or body = "raw text"
    weight = 3                            # share of the load; 0 = equivalence check only
    compare_body = true                   # false for bodies that differ legitimately
    vars = { id = { range = [1, 100] } }  # or { choice = ["a", "b"] }

    [upstreams.api]                       # a mock HTTP service verify starts on loopback
    env = "UPSTREAM_URL"                  # both apps get its base URL in this variable
    latency = { distribution = "normal", mean_ms = 10, sd_ms = 2 }  # or fixed / lognormal

    [[upstreams.api.routes]]
    method = "GET"
    path = "/items/<int:id>"              # <name> matches one segment, <int:name> digits
    json = { id = "{id}", value = "{id*2}" }
    # or body = "text", or echo = true (answer with the request's body); status, headers

Placeholders: a string that is exactly ``"{name}"`` takes the variable's value with its type
(so ``json = { id = "{id}" }`` sends a number); inside a longer string it is formatted as text.
``{name+N}``, ``{name-N}`` and ``{name*N}`` (N an integer) do integer arithmetic, for mock
responses computed from the path. Nothing else is evaluated.

Without a scenario file, the default scenario is every GET route of the app's URL map that
takes no arguments (:func:`default_scenario`), weight 1 each.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
HOST = "127.0.0.1"  # the Host header both apps see, whatever port they listen on
DISTRIBUTIONS = ("fixed", "normal", "lognormal")
PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(?:([+*-])(\d+))?\}")
APP_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(\))?$")

Value = str | int | float | bool | None | list["Value"] | dict[str, "Value"]


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Variable:
    low: int = 0
    high: int = 0
    choices: tuple[Value, ...] = ()

    def draw(self, rng: random.Random) -> Value:
        if self.choices:
            return rng.choice(self.choices)
        return rng.randint(self.low, self.high)


@dataclass(frozen=True)
class RequestTemplate:
    name: str
    path: str
    method: str = "GET"
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Value = None
    form: Mapping[str, str] | None = None
    body: str | None = None
    weight: float = 1.0
    compare_body: bool = True
    variables: Mapping[str, Variable] = field(default_factory=dict)


@dataclass(frozen=True)
class ConcreteRequest:
    """One request exactly as sent, to both apps."""

    name: str
    method: str
    target: str  # path and query string
    headers: tuple[tuple[str, str], ...]
    body: bytes
    compare_body: bool = True

    def raw(self, *, close: bool = False) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: {HOST}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(frozen=True)
class Latency:
    distribution: Literal["fixed", "normal", "lognormal"] = "fixed"
    mean_ms: float = 0.0
    sd_ms: float = 0.0

    def describe(self) -> str:
        if self.distribution == "fixed":
            return f"fixed {self.mean_ms:g} ms"
        return f"{self.distribution}, mean {self.mean_ms:g} ms, sd {self.sd_ms:g} ms"


@dataclass(frozen=True)
class UpstreamRoute:
    path: str
    method: str = "GET"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Value = None
    body: str | None = None
    echo: bool = False


@dataclass(frozen=True)
class Upstream:
    name: str
    env: str
    latency: Latency
    routes: tuple[UpstreamRoute, ...]


@dataclass(frozen=True)
class Scenario:
    requests: tuple[RequestTemplate, ...]
    upstreams: tuple[Upstream, ...] = ()
    compare_headers: tuple[str, ...] = ("location",)
    source: str = "default"

    def describe(self) -> dict[str, object]:
        return {
            "source": self.source,
            "requests": [
                {"name": r.name, "method": r.method, "path": r.path, "weight": r.weight}
                for r in self.requests
            ],
            "upstreams": [
                {"name": u.name, "env": u.env, "latency": u.latency.describe()}
                for u in self.upstreams
            ],
            "compare_headers": list(self.compare_headers),
        }


# --- placeholders ------------------------------------------------------------------------------


def _evaluate(match: re.Match[str], values: Mapping[str, Value]) -> Value:
    name, operator, operand = match.group(1), match.group(2), match.group(3)
    if name not in values:
        raise KeyError(name)
    value = values[name]
    if operator is None:
        return value
    number = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else 0
    right = int(operand)
    return (
        number + right if operator == "+" else number - right if operator == "-" else number * right
    )


def render(template: Value, values: Mapping[str, Value]) -> Value:
    """Replace the placeholders in ``template`` (any JSON-like value) by ``values``."""
    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole:
            return _evaluate(whole, values)
        return PLACEHOLDER.sub(lambda m: str(_evaluate(m, values)), template)
    if isinstance(template, list):
        return [render(item, values) for item in template]
    if isinstance(template, dict):
        return {key: render(item, values) for key, item in template.items()}
    return template


def placeholders(template: Value) -> set[str]:
    if isinstance(template, str):
        return {match.group(1) for match in PLACEHOLDER.finditer(template)}
    if isinstance(template, list):
        return set().union(*(placeholders(item) for item in template)) if template else set()
    if isinstance(template, dict):
        found: set[str] = set()
        for key, item in template.items():
            found |= placeholders(key) | placeholders(item)
        return found
    return set()


# --- concrete requests -------------------------------------------------------------------------


def concrete(template: RequestTemplate, rng: random.Random) -> ConcreteRequest:
    values = {name: variable.draw(rng) for name, variable in template.variables.items()}
    path = str(render(template.path, values))
    query = {key: str(render(value, values)) for key, value in template.query.items()}
    target = path + ("?" + urlencode(query) if query else "")
    headers = {key: str(render(value, values)) for key, value in template.headers.items()}
    body = b""
    if template.json is not None:
        body = json.dumps(render(template.json, values), separators=(",", ":")).encode()
        headers.setdefault("Content-Type", "application/json")
    elif template.form is not None:
        form = {key: str(render(value, values)) for key, value in template.form.items()}
        body = urlencode(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif template.body is not None:
        body = str(render(template.body, values)).encode()
    return ConcreteRequest(
        name=template.name,
        method=template.method,
        target=target,
        headers=tuple(headers.items()),
        body=body,
        compare_body=template.compare_body,
    )


def load_sequence(scenario: Scenario, count: int, seed: int) -> list[ConcreteRequest]:
    """``count`` requests drawn by weight; the same seed gives both apps the same sequence."""
    weighted = [template for template in scenario.requests if template.weight > 0]
    rng = random.Random(seed)
    chosen = rng.choices(weighted, weights=[t.weight for t in weighted], k=count)
    return [concrete(template, rng) for template in chosen]


def equivalence_requests(
    scenario: Scenario, samples: int = 3, seed: int = 0
) -> list[ConcreteRequest]:
    """Every template (weight 0 included): once, or ``samples`` times if it has variables."""
    rng = random.Random(seed)
    requests: list[ConcreteRequest] = []
    for template in scenario.requests:
        for _ in range(samples if template.variables else 1):
            request = concrete(template, rng)
            if request not in requests:
                requests.append(request)
    return requests


# --- loading -----------------------------------------------------------------------------------


def _fail(path: Path, message: str) -> ScenarioError:
    return ScenarioError(f"{path}: {message}")


def _table(value: object, path: Path, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _fail(path, f"{where} must be a table")
    return value


def _strings(value: object, path: Path, where: str) -> dict[str, str]:
    table = _table(value, path, where)
    return {str(key): str(item) for key, item in table.items()}


def _check_keys(table: Mapping[str, object], allowed: set[str], path: Path, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(
            path, f"{where}: unknown key {unknown[0]!r} (expected one of {sorted(allowed)})"
        )


def _variable(name: str, value: object, path: Path, where: str) -> Variable:
    table = _table(value, path, f"{where} vars.{name}")
    if set(table) == {"range"}:
        bounds = table["range"]
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(isinstance(b, int) for b in bounds)
            or bounds[0] > bounds[1]
        ):
            raise _fail(
                path, f"{where} vars.{name}: range must be [low, high] integers, low <= high"
            )
        return Variable(low=bounds[0], high=bounds[1])
    if set(table) == {"choice"}:
        choices = table["choice"]
        if not isinstance(choices, list) or not choices:
            raise _fail(path, f"{where} vars.{name}: choice must be a non-empty list")
        return Variable(choices=tuple(choices))
    raise _fail(path, f"{where} vars.{name}: give either range = [low, high] or choice = [...]")


REQUEST_KEYS = {
    "name", "method", "path", "query", "headers", "json", "form", "body", "weight",
    "compare_body", "vars",
}  # fmt: skip


def _request(index: int, table: dict[str, object], path: Path) -> RequestTemplate:
    where = f"requests[{index}]"
    _check_keys(table, REQUEST_KEYS, path, where)
    method = str(table.get("method", "GET")).upper()
    if method not in METHODS:
        raise _fail(path, f"{where}: method must be one of {', '.join(METHODS)}")
    target = table.get("path")
    if not isinstance(target, str) or not target.startswith("/"):
        raise _fail(path, f"{where}: path must be a string starting with '/'")
    bodies = [key for key in ("json", "form", "body") if key in table]
    if len(bodies) > 1:
        raise _fail(path, f"{where}: give only one of json, form and body")
    weight = table.get("weight", 1)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
        raise _fail(path, f"{where}: weight must be a number >= 0")
    variables = {
        name: _variable(name, value, path, where)
        for name, value in _table(table.get("vars", {}), path, f"{where} vars").items()
    }
    template = RequestTemplate(
        name=str(table.get("name", f"{method} {target}")),
        path=target,
        method=method,
        query=_strings(table.get("query", {}), path, f"{where} query"),
        headers=_strings(table.get("headers", {}), path, f"{where} headers"),
        json=table.get("json"),  # type: ignore[arg-type]
        form=_strings(table["form"], path, f"{where} form") if "form" in table else None,
        body=str(table["body"]) if "body" in table else None,
        weight=float(weight),
        compare_body=bool(table.get("compare_body", True)),
        variables=variables,
    )
    used = placeholders(
        [
            template.path,
            dict(template.query),
            dict(template.headers),
            template.json,
            dict(template.form or {}),
            template.body,
        ]
    )
    missing = sorted(used - set(variables))
    if missing:
        raise _fail(path, f"{where}: placeholder {{{missing[0]}}} has no entry in vars")
    return template


def _upstream(name: str, value: object, path: Path) -> Upstream:
    where = f"upstreams.{name}"
    table = _table(value, path, where)
    _check_keys(table, {"env", "latency", "routes"}, path, where)
    env = table.get("env")
    if not isinstance(env, str) or not env.isidentifier():
        raise _fail(path, f"{where}: env must name an environment variable")
    latency_table = _table(table.get("latency", {}), path, f"{where}.latency")
    _check_keys(latency_table, {"distribution", "mean_ms", "sd_ms"}, path, f"{where}.latency")
    distribution = latency_table.get("distribution", "fixed")
    mean, spread = latency_table.get("mean_ms", 0), latency_table.get("sd_ms", 0)
    if distribution not in DISTRIBUTIONS:
        raise _fail(
            path, f"{where}.latency: distribution must be one of {', '.join(DISTRIBUTIONS)}"
        )
    if not all(isinstance(x, (int, float)) and x >= 0 for x in (mean, spread)):
        raise _fail(path, f"{where}.latency: mean_ms and sd_ms must be numbers >= 0")
    if distribution == "lognormal" and mean == 0 and spread > 0:  # type: ignore[operator]
        raise _fail(path, f"{where}.latency: a lognormal latency needs mean_ms > 0")
    routes = []
    raw_routes = table.get("routes", [])
    if not isinstance(raw_routes, list) or not raw_routes:
        raise _fail(path, f"{where}: declare at least one [[{where}.routes]]")
    for index, raw in enumerate(raw_routes):
        route_where = f"{where}.routes[{index}]"
        route = _table(raw, path, route_where)
        _check_keys(
            route,
            {"method", "path", "status", "headers", "json", "body", "echo"},
            path,
            route_where,
        )
        route_path = route.get("path")
        if not isinstance(route_path, str) or not route_path.startswith("/"):
            raise _fail(path, f"{route_where}: path must be a string starting with '/'")
        status = route.get("status", 200)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise _fail(path, f"{route_where}: status must be an HTTP status code")
        routes.append(
            UpstreamRoute(
                path=route_path,
                method=str(route.get("method", "GET")).upper(),
                status=status,
                headers=_strings(route.get("headers", {}), path, f"{route_where} headers"),
                json=route.get("json"),  # type: ignore[arg-type]
                body=str(route["body"]) if "body" in route else None,
                echo=bool(route.get("echo", False)),
            )
        )
    return Upstream(
        name=name,
        env=env,
        latency=Latency(distribution, float(mean), float(spread)),  # type: ignore[arg-type]
        routes=tuple(routes),
    )


def load_scenario(path: Path) -> Scenario:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _fail(path, f"cannot read the scenario ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise _fail(path, f"not valid TOML ({error})") from None
    _check_keys(data, {"requests", "upstreams", "compare_headers"}, path, "top level")
    raw_requests = data.get("requests", [])
    if not isinstance(raw_requests, list) or not raw_requests:
        raise _fail(path, "declare at least one [[requests]]")
    requests = tuple(
        _request(index, _table(raw, path, f"requests[{index}]"), path)
        for index, raw in enumerate(raw_requests)
    )
    if not any(request.weight > 0 for request in requests):
        raise _fail(path, "at least one request needs a weight above 0")
    upstreams = tuple(
        _upstream(name, value, path)
        for name, value in _table(data.get("upstreams", {}), path, "upstreams").items()
    )
    headers = data.get("compare_headers", ["location"])
    if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
        raise _fail(path, "compare_headers must be a list of header names")
    return Scenario(
        requests=requests,
        upstreams=upstreams,
        compare_headers=tuple(h.lower() for h in headers),
        source=str(path),
    )


# --- the default scenario ----------------------------------------------------------------------

_ROUTE_LISTER = """
import importlib, json, sys
module_name, _, attribute = sys.argv[1].partition(":")
module = importlib.import_module(module_name)
app = getattr(module, attribute.removesuffix("()"))
if attribute.endswith("()"):
    app = app()
paths = sorted(
    rule.rule for rule in app.url_map.iter_rules()
    if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint != "static"
)
print(json.dumps(paths))
"""


def check_app_spec(spec: str) -> None:
    if not APP_SPEC.match(spec):
        raise ValueError(f"--app must look like MODULE:NAME or MODULE:factory(), not {spec!r}")


def app_routes(root: Path, app: str, env: Mapping[str, str], timeout: float = 30.0) -> list[str]:
    """GET routes without arguments, read from the app's URL map in a separate interpreter."""
    check_app_spec(app)
    try:
        completed = subprocess.run(
            [sys.executable, "-c", _ROUTE_LISTER, app],
            cwd=root,
            env={**env, "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise ScenarioError(f"{root}: importing {app} took more than {timeout:.0f} s") from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise ScenarioError(f"{root}: cannot load {app} to list its routes: {last}")
    routes: list[str] = json.loads(completed.stdout.strip().splitlines()[-1])
    return routes


def default_scenario(routes: Sequence[str]) -> Scenario:
    if not routes:
        raise ScenarioError(
            "the app has no GET route without arguments: give a scenario with --scenario"
        )
    return Scenario(
        requests=tuple(RequestTemplate(name=f"GET {route}", path=route) for route in routes),
        source="default: every GET route without arguments",
    )
