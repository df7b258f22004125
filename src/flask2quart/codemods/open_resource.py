"""F2Q108: ``app.open_resource(...)`` becomes the plain ``open()`` Flask itself does.

Quart's ``open_resource`` is a coroutine returning an aiofiles context manager (``async with
await app.open_resource(p) as f: await f.read()``), which forces every function that reads a
resource — typically ``init_db()``, called from a CLI command and from tests — to become async.
Flask's own implementation is ``open(os.path.join(app.root_path, resource), mode)``, so that is
what the call becomes: same file, same bytes, still sync (a brief blocking read when it runs
inside an async function). ``open_instance_resource`` uses ``instance_path`` the same way.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

_METHODS = {
    "flask.Flask.open_resource": "root_path",
    "flask.Blueprint.open_resource": "root_path",
    "flask.Flask.open_instance_resource": "instance_path",
}


class OpenResource(Rule):
    id = "F2Q108"
    name = "open-resource"
    summary = "app.open_resource(p) -> open(os.path.join(app.root_path, p), 'rb')"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call) or not isinstance(
            updated_node.func, cst.Attribute
        ):
            return updated_node
        folder = _METHODS.get(self.context.callee_name(original_node) or "")
        if folder is None or not updated_node.args or updated_node.args[0].keyword is not None:
            return updated_node
        if any(arg.star for arg in updated_node.args):
            return updated_node
        os_name = self.context.module_for("os")
        owner = updated_node.func.value
        resource, *rest = updated_node.args
        path = cst.Call(
            func=cst.Attribute(
                cst.Attribute(cst.Name(os_name), cst.Name("path")), cst.Name("join")
            ),
            args=[
                cst.Arg(
                    cst.Attribute(owner, cst.Name(folder)),
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                ),
                resource.with_changes(comma=cst.MaybeSentinel.DEFAULT),
            ],
        )
        args = [resource.with_changes(value=path), *rest]
        if not rest:
            args[0] = args[0].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
            args.append(cst.Arg(cst.SimpleString('"rb"')))
        return cst.Call(func=cst.Name("open"), args=args)
