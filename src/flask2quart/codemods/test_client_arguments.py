"""F2Q303: the test client's keyword arguments, in Quart's terms.

Flask's test client (and ``app.test_request_context``, ``client.session_transaction``) builds
the request with Werkzeug's ``EnvironBuilder``; Quart's takes different keywords, and the most
common Flask call is a silent trap: ``client.post(data={...})`` sends an EMPTY form on Quart
(spec §1.5). The mapping:

* ``data={...}`` -> ``form={...}``; file values (``(BytesIO(...), "name")`` tuples, open files)
  -> ``files={"f": FileStorage(BytesIO(...), filename="name")}``; a ``data=`` we cannot see into
  is reported;
* ``content_type=`` / ``mimetype=`` -> a ``Content-Type`` header (dropped when it only named the
  form encoding Quart now chooses itself);
* ``environ_base`` / ``environ_overrides`` (``REMOTE_ADDR``, ``HTTP_*``, ``wsgi.url_scheme``) ->
  ``scope_base={"client": (ip, 0)}``, headers, ``scheme=``;
* ``base_url="https://host/root"`` -> ``scheme=``, a ``Host`` header, ``root_path=``;
* ``url_scheme=`` (Flask's ``EnvironBuilder``) -> ``scheme=``;
* ``buffered=`` and the WSGI flags ``multithread=`` / ``multiprocess=`` / ``run_once=``
  dropped; ``input_stream=``, ``errors_stream=``, ``content_length=`` reported (none has a
  counterpart); ``follow_redirects=`` kept; a string ``query_string=`` moved into the path;
* a missing path -> ``"/"`` (required on Quart); a function that forwards its own ``*args``
  (``def ctx(self, *args, **kw): return app.test_request_context(*args, **kw)``) takes
  ``path="/"`` first and passes it on.

Kept as they are (same name and meaning): ``method=``, ``headers=``, ``json=``, ``auth=``, a
dict ``query_string=``, ``subdomain=``.

This rule runs before the rules that wrap calls in ``await``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.model import Site

from .await_test_client import CLIENT, REQUEST_METHODS


@dataclass(frozen=True, slots=True)
class Target:
    label: str
    files: bool  # accepts files=
    scope_base: bool  # accepts scope_base=
    path_required: bool


TARGETS: dict[str, Target] = {
    **{
        f"{CLIENT}.{verb}": Target(f"client.{verb}()", True, True, True) for verb in REQUEST_METHODS
    },
    "flask.Flask.test_request_context": Target("test_request_context()", False, True, True),
    f"{CLIENT}.session_transaction": Target("session_transaction()", False, False, False),
}

WSGI_FLAGS = ("multithread", "multiprocess", "run_once")
WSGI_ONLY = {
    "input_stream": "pass the body as data= (bytes or str)",
    "errors_stream": "remove it; Quart logs errors through app.logger",
    "content_length": "remove it, or send a Content-Length header in headers= if the view "
    "reads one",
}
FORM_ENCODINGS = ("multipart/form-data", "application/x-www-form-urlencoded")
FILE_CALLS = frozenset({"io.BytesIO", "io.StringIO", "builtins.open"})


def _no_spaces() -> cst.AssignEqual:
    return cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )


def _keyword(name: str, value: cst.BaseExpression, like: cst.Arg | None = None) -> cst.Arg:
    equal = like.equal if like is not None else _no_spaces()
    comma = like.comma if like is not None else cst.MaybeSentinel.DEFAULT
    return cst.Arg(value=value, keyword=cst.Name(name), equal=equal, comma=comma)


def _string(value: str) -> cst.SimpleString:
    return cst.SimpleString(repr(value) if '"' in value else f'"{value}"')


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _append_element(node: cst.Dict, key: str, value: cst.BaseExpression) -> cst.Dict:
    elements = list(node.elements)
    new = cst.DictElement(_string(key), value)
    if elements:
        last = elements[-1]
        new = new.with_changes(comma=last.comma)
        if last.comma == cst.MaybeSentinel.DEFAULT:
            elements[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
    return node.with_changes(elements=[*elements, new])


def _dict(items: Sequence[tuple[cst.BaseExpression, cst.BaseExpression]]) -> cst.Dict:
    elements = [cst.DictElement(key, value) for key, value in items]
    return _append_commas(elements)


def _append_commas(elements: list[cst.DictElement]) -> cst.Dict:
    spaced = [
        e.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for e in elements[:-1]
    ]
    return cst.Dict([*spaced, *elements[-1:]])


class TestClientArguments(Rule):
    id = "F2Q303"
    name = "test-client-arguments"
    summary = "test client keywords in Quart's terms: data= dict -> form=/files=, content_type..."
    requires = ("F2Q103", "F2Q301")

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # Functions forwarding ``*args`` to a call that needs a path: they get ``path="/"``.
        self.path_params: set[cst.FunctionDef] = set()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call):
            return updated_node
        name = self.context.callee_name(original_node)
        target = TARGETS.get(name or "")
        site = self.context.model.calls.get(original_node)
        if target is None or site is None:
            return updated_node
        return _Arguments(self, target, site, original_node, updated_node).rewrite()

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if original_node not in self.path_params:
            return updated_node
        params = updated_node.params
        path = cst.Param(cst.Name("path"), default=_string("/"), equal=_no_spaces())
        listed = list(params.params)
        if listed:
            listed[-1] = listed[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        path = path.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return updated_node.with_changes(params=params.with_changes(params=[*listed, path]))


class _Arguments:
    """The rewrite of one call's arguments (kept apart: it carries per-call state)."""

    def __init__(
        self, rule: Rule, target: Target, site: Site, original: cst.Call, updated: cst.Call
    ) -> None:
        self.rule = rule
        self.context = rule.context
        self.target = target
        self.site = site
        self.original = original
        self.args = list(updated.args)
        self.updated = updated
        self.form_body = False  # data= became form=/files=: Quart picks the content type
        self.headers: list[tuple[str, cst.BaseExpression]] = []
        self.extra: list[cst.Arg] = []

    # ------------------------------------------------------------------ driver

    def rewrite(self) -> cst.Call:
        if not self._path_ok():
            return self.updated
        for keyword in ("data", "environ_base", "environ_overrides", "base_url"):
            if not self._handle(keyword):
                return self.updated
        for keyword in ("content_type", "mimetype"):
            self._content_type(keyword)
        self._drop("buffered")
        for flag in WSGI_FLAGS:  # the WSGI environ's wsgi.* flags: nothing on ASGI reads them
            self._drop(flag)
        for name, fix in WSGI_ONLY.items():
            if self._find(name) is not None:
                self._report(
                    self._find_original(name),
                    "error",
                    f"{name}= has no counterpart in Quart's {self.target.label} (no WSGI "
                    "environ); the call raises TypeError",
                    fix,
                )
        self._rename("url_scheme", "scheme")
        self._query_string()
        if self._find("as_tuple") is not None:
            self._report(
                self._find_original("as_tuple"),
                "error",
                "as_tuple= has no Quart equivalent (there is no WSGI environ)",
                "read what you need from the response instead",
            )
        self._merge_headers()
        self.args.extend(self.extra)
        return self.updated.with_changes(args=_fix_commas(self.args, self.updated.args))

    def _handle(self, keyword: str) -> bool:
        handler = {
            "data": self._data,
            "environ_base": self._environ,
            "environ_overrides": self._environ,
            "base_url": self._base_url,
        }[keyword]
        index = self._find(keyword)
        return True if index is None else handler(index)

    # ------------------------------------------------------------------ lookups

    def _find(self, keyword: str) -> int | None:
        for index, arg in enumerate(self.args):
            if arg.keyword is not None and arg.keyword.value == keyword:
                return index
        return None

    def _find_original(self, keyword: str) -> cst.CSTNode:
        for arg in self.original.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg
        return self.original

    def _report(self, node: cst.CSTNode, severity: str, message: str, fix: str = "") -> None:
        self.context.report(node, self.rule.id, severity, message, fix)  # type: ignore[arg-type]

    def _rename(self, keyword: str, new: str) -> None:
        index = self._find(keyword)
        if index is not None and self._find(new) is None:
            self.args[index] = self.args[index].with_changes(keyword=cst.Name(new))

    def _drop(self, keyword: str) -> None:
        index = self._find(keyword)
        if index is not None:
            del self.args[index]

    # ------------------------------------------------------------------ path

    def _path_ok(self) -> bool:
        if any(arg.star for arg in self.args):
            self._forwarded_path()
            return True
        positional = [arg for arg in self.args if arg.keyword is None]
        if len(positional) > 1:
            self._report(
                self.original.args[1],
                "error",
                f"Quart's {self.target.label} takes only the path positionally",
                "pass the other arguments by keyword (method=..., headers=...)",
            )
            return False
        if not positional and self._find("path") is None and self.target.path_required:
            self.args.insert(0, cst.Arg(_string("/")))
        return True

    def _forwarded_path(self) -> None:
        """``f(self, *args, **kw): return app.test_request_context(*args, **kw)``: Flask's
        builder defaults the path to "/", Quart's requires it, so ``f`` takes ``path="/"`` and
        passes it first; other starred calls cannot be checked and are reported."""
        if not self.target.path_required or any(
            a.keyword is None and not a.star for a in self.args
        ):
            return
        owner = self.site.owner
        star = next(arg for arg in self.args if arg.star)
        function = owner.node if owner is not None else None
        star_param = function.params.star_arg if function is not None else None
        if (
            function is not None
            and star.star == "*"
            and isinstance(star.value, cst.Name)
            and isinstance(star_param, cst.Param)
            and star_param.name.value == star.value.value
            and "path" not in (owner.params if owner is not None else [])
            and not function.params.kwonly_params
        ):
            self.rule.path_params.add(function)  # type: ignore[attr-defined]
            self.args.insert(0, cst.Arg(cst.Name("path")))
            self._report(
                function,
                "info",
                f"{function.name.value}() forwards its arguments to Quart's "
                f'{self.target.label}, which needs a path: it takes path="/" first '
                "(Flask's default)",
            )
            return
        self._report(
            self.original,
            "info",
            f"Quart's {self.target.label} needs a path (Flask's defaulted to \"/\"); these "
            "starred arguments may not carry one",
            'make sure a path comes first, e.g. ("/", *args)',
        )

    # ------------------------------------------------------------------ data=

    def _data(self, index: int) -> bool:
        arg = self.args[index]
        original = self._find_original("data")
        value = arg.value
        if isinstance(value, cst.Dict):
            return self._split_form(index, value, original)
        if (
            isinstance(value, cst.Call)
            and self._callee(value) == "builtins.dict"
            and all(a.keyword is not None for a in value.args)
        ):
            return self._split_form(index, _dict_from_call(value), original)
        if isinstance(value, cst.Name) and self._bound_to_form_dict(value):
            self.args[index] = _keyword("form", value, arg)
            self.form_body = True
            return True
        if self._is_body(value):
            return True
        self._report(
            original,
            "warning",
            "data= is sent as the raw request body on Quart; a dict of form fields there is "
            "silently dropped",
            "if this is a dict of fields, pass it as form= (files as files={name: FileStorage})",
        )
        return True

    def _is_body(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
            return True
        return isinstance(value, cst.Call) and self._callee(value) in (
            "json.dumps",
            "builtins.bytes",
            "builtins.str",
        )

    def _callee(self, call: cst.Call) -> str | None:
        ref = self.context.model.ref_of(call.func, self.site.scope)
        return self.context.evaluator.name_of(ref)

    def _bound_to_form_dict(self, name: cst.Name) -> bool:
        """A name bound only to dict literals of fields: assignments or parametrize values."""
        bindings = self.context.model.lookup(name.value, self.site.scope)
        if not bindings:
            return False
        values: list[cst.BaseExpression] = []
        for binding in bindings:
            if binding.kind == "value" and isinstance(binding.node, cst.BaseExpression):
                values.append(binding.node)
            elif binding.kind == "param" and binding.function is not None:
                found = self._parametrized(binding.function.node, name.value)
                if found is None:
                    return False
                values.extend(found)
            else:
                return False
        return all(isinstance(v, cst.Dict) and not self._has_files(v) for v in values)

    def _has_files(self, node: cst.Dict) -> bool:
        return any(self._is_file(e.value) for e in node.elements if isinstance(e, cst.DictElement))

    def _parametrized(
        self, function: cst.FunctionDef, param: str
    ) -> list[cst.BaseExpression] | None:
        """The values ``@pytest.mark.parametrize`` gives ``param``, when written literally."""
        info = self.context.model.function_by_node.get(function)
        if info is None:
            return None
        for decorator in function.decorators:
            call = decorator.decorator
            if not isinstance(call, cst.Call) or len(call.args) < 2:
                continue
            ref = self.context.model.ref_of(call.func, info.outer_scope)
            if self.context.evaluator.name_of(ref) != "pytest.mark.parametrize":
                continue
            names = _argnames(call.args[0].value)
            if names is None or param not in names:
                continue
            rows = call.args[1].value
            if not isinstance(rows, cst.List | cst.Tuple):
                return None
            index = names.index(param)
            values = []
            for row in rows.elements:
                value = _unwrap_param(row.value)
                if len(names) > 1:
                    if not isinstance(value, cst.Tuple | cst.List) or len(value.elements) <= index:
                        return None
                    value = value.elements[index].value
                values.append(value)
            return values
        return None

    def _is_file(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Tuple) and 1 <= len(value.elements) <= 3:
            return True
        if isinstance(value, cst.List) and any(
            isinstance(e.value, cst.Tuple) for e in value.elements
        ):
            return True
        if isinstance(value, cst.Call):
            callee = self._callee(value)
            return callee in FILE_CALLS or (
                isinstance(value.func, cst.Attribute) and value.func.attr.value == "open"
            )
        return False

    def _split_form(self, index: int, value: cst.Dict, original: cst.CSTNode) -> bool:
        form: list[cst.BaseDictElement] = []
        files: list[cst.DictElement] = []
        for element in value.elements:
            if isinstance(element, cst.DictElement) and self._is_file(element.value):
                storage = self._file_storage(element.value, original)
                if storage is None:
                    return False
                files.append(cst.DictElement(element.key, storage))
                continue
            if isinstance(element, cst.DictElement) and isinstance(element.value, cst.List):
                self._report(
                    original,
                    "warning",
                    "a list value in form= is sent as its text (\"['a', 'b']\") on Quart, not as "
                    "repeated fields",
                    "send the values one request at a time, or build the body yourself",
                )
            form.append(element)
        if files and not self.target.files:
            self._report(
                original,
                "error",
                f"Quart's {self.target.label} cannot send files",
                "make the request with the test client instead",
            )
            return False
        arg = self.args[index]
        new: list[cst.Arg] = []
        if files:
            new.append(_keyword("files", _append_commas(files), arg))
        if form or not files:
            kept = value.with_changes(elements=form) if files else value
            if files and form:
                kept = _restyle(kept)
            new.append(_keyword("form", kept, arg))
        self.args[index : index + 1] = new
        self.form_body = True
        return True

    def _file_storage(
        self, value: cst.BaseExpression, original: cst.CSTNode
    ) -> cst.BaseExpression | None:
        if isinstance(value, cst.List):
            self._report(
                original,
                "error",
                "several files under one field cannot be sent by Quart's test client "
                "(files= maps each field to one FileStorage)",
                "send one file per field, or one request per file",
            )
            return None
        storage = self.context.name_for("quart.datastructures", "FileStorage")
        if isinstance(value, cst.Tuple):
            parts = [e.value for e in value.elements]
            args = [cst.Arg(parts[0])]
            if len(parts) > 1:
                args.append(_keyword("filename", parts[1]))
            if len(parts) > 2:
                args.append(_keyword("content_type", parts[2]))
            return cst.Call(cst.Name(storage), args=_fix_commas(args, []))
        return cst.Call(cst.Name(storage), args=[cst.Arg(value)])

    # ------------------------------------------------------------------ headers

    def _content_type(self, keyword: str) -> None:
        index = self._find(keyword)
        if index is None:
            return
        value = self.args[index].value
        del self.args[index]
        literal = _literal(value)
        if self.form_body and literal is not None and literal.startswith(FORM_ENCODINGS):
            return  # Quart sets the form encoding (with its multipart boundary) itself
        self.headers.append(("Content-Type", value))

    def _merge_headers(self) -> None:
        if not self.headers:
            return
        index = self._find("headers")
        if index is None:
            pairs = [(_string(k), v) for k, v in self.headers]
            self.extra.append(_keyword("headers", _dict(pairs)))
            return
        arg = self.args[index]
        value = arg.value
        if isinstance(value, cst.Dict):
            for key, item in self.headers:
                value = _append_element(value, key, item)
        else:
            elements: list[cst.BaseDictElement] = [cst.StarredDictElement(value)]
            elements.extend(cst.DictElement(_string(k), v) for k, v in self.headers)
            value = _append_commas(elements)  # type: ignore[arg-type]
        self.args[index] = arg.with_changes(value=value)

    # ------------------------------------------------------------------ environ, base_url

    def _environ(self, index: int) -> bool:
        arg = self.args[index]
        keyword = arg.keyword.value if arg.keyword else "environ_base"
        original = self._find_original(keyword)
        if not isinstance(arg.value, cst.Dict):
            self._report(
                original,
                "error",
                f"{keyword}= has no Quart equivalent (there is no WSGI environ)",
                "pass scope_base={'client': (ip, 0)} for REMOTE_ADDR, headers= for HTTP_*",
            )
            return False
        scope: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
        for element in arg.value.elements:
            key = _literal(element.key) if isinstance(element, cst.DictElement) else None
            assert key is None or isinstance(element, cst.DictElement)
            if key == "REMOTE_ADDR" and self.target.scope_base:
                client = cst.Tuple(
                    [
                        cst.Element(
                            element.value,
                            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                        ),
                        cst.Element(cst.Integer("0")),
                    ]
                )
                scope.append((_string("client"), client))
            elif key is not None and key.startswith("HTTP_"):
                name = "-".join(part.capitalize() for part in key[5:].split("_"))
                self.headers.append((name, element.value))
            elif key == "wsgi.url_scheme":
                self.extra.append(_keyword("scheme", element.value))
            else:
                self._report(
                    original,
                    "error",
                    f"{keyword}= key {key or '(computed)'} has no equivalent in Quart's "
                    f"{self.target.label}",
                    "set what the view reads another way (headers=, scope_base=, app config)",
                )
                return False
        del self.args[index]
        if scope:
            self.extra.append(_keyword("scope_base", _dict(scope)))
        return True

    def _base_url(self, index: int) -> bool:
        arg = self.args[index]
        literal = _literal(arg.value)
        if literal is None:
            self._report(
                self._find_original("base_url"),
                "error",
                "base_url= has no Quart equivalent",
                "pass scheme=, headers={'Host': ...} and root_path= instead",
            )
            return False
        parts = urlsplit(literal)
        root = parts.path.rstrip("/")
        if root:
            # ASGI paths include the root path: base_url's folder moves into the path
            path_index = self._path_index()
            path = _literal(self.args[path_index].value) if path_index is not None else None
            if path_index is None or path is None:
                self._report(
                    self._find_original("base_url"),
                    "error",
                    "base_url= with a folder needs a literal path to prefix on Quart",
                    f"pass root_path={root!r} and prefix the path with it",
                )
                return False
            path_arg = self.args[path_index]
            self.args[path_index] = path_arg.with_changes(value=_string(root + path))
            self.extra.append(_keyword("root_path", _string(root)))
        del self.args[index]
        if parts.scheme and parts.scheme != "http":
            self.extra.append(_keyword("scheme", _string(parts.scheme)))
        if parts.netloc and parts.netloc != "localhost":
            self.headers.append(("Host", _string(parts.netloc)))
        return True

    def _path_index(self) -> int | None:
        return next((i for i, a in enumerate(self.args) if a.keyword is None and not a.star), None)

    # ------------------------------------------------------------------ query string

    def _query_string(self) -> None:
        index = self._find("query_string")
        if index is None:
            return
        literal = _literal(self.args[index].value)
        if literal is None:
            return  # a dict (or unknown): Quart takes a dict
        path_index = self._path_index()
        path = _literal(self.args[path_index].value) if path_index is not None else None
        if path_index is None or path is None or "?" in path:
            self._report(
                self._find_original("query_string"),
                "error",
                "Quart's query_string= takes a dict, not a string",
                "put the query string in the path ('/p?a=1') or pass a dict",
            )
            return
        path_arg = self.args[path_index]
        self.args[path_index] = path_arg.with_changes(
            value=_string(f"{path}?{literal.lstrip('?')}")
        )
        del self.args[index]


def _argnames(node: cst.BaseExpression) -> list[str] | None:
    literal = _literal(node)
    if literal is not None:
        return [part.strip() for part in literal.split(",")]
    if isinstance(node, cst.Tuple | cst.List):
        names = [_literal(e.value) for e in node.elements]
        return [n for n in names if n is not None] if None not in names else None
    return None


def _unwrap_param(node: cst.BaseExpression) -> cst.BaseExpression:
    """``pytest.param(a, b, id=...)`` -> ``(a, b)``; anything else as it is."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "param"
    ):
        positional = [a for a in node.args if a.keyword is None]
        if len(positional) == 1:
            return positional[0].value
        return cst.Tuple([cst.Element(a.value) for a in positional])
    return node


def _dict_from_call(call: cst.Call) -> cst.Dict:
    pairs = [(_string(a.keyword.value), a.value) for a in call.args if a.keyword is not None]
    return _dict(pairs)


def _restyle(node: cst.Dict) -> cst.Dict:
    """Drop a dangling comma left after removing the file entries."""
    elements = list(node.elements)
    if elements and not isinstance(elements[-1].comma, cst.MaybeSentinel):
        comma = elements[-1].comma
        if isinstance(comma, cst.Comma) and "\n" not in cst.Module([]).code_for_node(comma):
            elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(elements=elements)


def _fix_commas(args: list[cst.Arg], before: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Every argument but the last separated by a comma; the last keeps the original's ending."""
    if not args:
        return args
    last_comma = before[-1].comma if before else cst.MaybeSentinel.DEFAULT
    fixed = []
    for arg in args[:-1]:
        if arg.comma == cst.MaybeSentinel.DEFAULT:
            arg = arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        fixed.append(arg)
    fixed.append(args[-1].with_changes(comma=last_comma))
    return fixed
