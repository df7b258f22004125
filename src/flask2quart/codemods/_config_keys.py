"""Where a file sets an app config key, in the shapes Flask apps use, so rules can check values.

Recognised (``KEY`` upper case; the value is the expression assigned)::

    app.config["KEY"] = value            # any subscript with a string key
    app.config.update(KEY=value)         # any keyword argument of a call
    {"KEY": value}                       # a dict display (create_app({...}), from_mapping)
    KEY = value                          # a module- or class-level name (from_object, from_pyfile)

The shapes are syntactic on purpose: config lives in plain modules and classes the analysis has
no type for, and only Flask extensions read keys such as ``SESSION_REDIS`` or ``RATELIMIT_*``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst


@dataclass(frozen=True, slots=True)
class ConfigSetting:
    key: str
    value: cst.BaseExpression


def string_value(node: cst.BaseExpression | None) -> str | None:
    """The text of a plain string literal (no f-string, no concatenation), else None."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def setting_of(node: cst.CSTNode) -> ConfigSetting | None:
    """The config key ``node`` sets, for an Assign, a keyword Arg or a DictElement."""
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        target = node.targets[0].target
        if isinstance(target, cst.Name) and target.value.isupper():
            return ConfigSetting(target.value, node.value)
        if isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            if isinstance(index, cst.Index):
                key = string_value(index.value)
                if key is not None and key.isupper():
                    return ConfigSetting(key, node.value)
        return None
    if isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value.isupper():
        return ConfigSetting(node.keyword.value, node.value)
    if isinstance(node, cst.DictElement):
        key = string_value(node.key)
        if key is not None and key.isupper():
            return ConfigSetting(key, node.value)
    return None


def with_setting(node: cst.CSTNode, key: str, value: cst.BaseExpression) -> cst.CSTNode:
    """``node`` (as accepted by :func:`setting_of`) setting ``key`` to ``value`` instead."""
    if isinstance(node, cst.Assign):
        target = node.targets[0].target
        if isinstance(target, cst.Name):
            new_target: cst.BaseAssignTargetExpression = target.with_changes(value=key)
        else:
            assert isinstance(target, cst.Subscript)
            element = target.slice[0]
            assert isinstance(element.slice, cst.Index)
            string = element.slice.value
            assert isinstance(string, cst.SimpleString)
            quote = string.quote
            new_index = element.slice.with_changes(value=cst.SimpleString(f"{quote}{key}{quote}"))
            new_target = target.with_changes(slice=[element.with_changes(slice=new_index)])
        targets = [node.targets[0].with_changes(target=new_target)]
        return node.with_changes(targets=targets, value=value)
    if isinstance(node, cst.Arg):
        return node.with_changes(keyword=cst.Name(key), value=value)
    assert isinstance(node, cst.DictElement)
    string = node.key
    assert isinstance(string, cst.SimpleString)
    quoted = cst.SimpleString(f"{string.quote}{key}{string.quote}")
    return node.with_changes(key=quoted, value=value)


class ConfigKeyHooks:
    """The three places a config key is set (``app.config[K] = v`` / ``K = v`` in a config class,
    ``update(K=v)``, ``{K: v}``), each handed to the rule's ``_config(original, updated)``."""

    # defined by the rule: the rewrite (or report) of one setting, given its node
    _config: Callable[[cst.CSTNode, cst.CSTNode], cst.CSTNode]

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        result = self._config(original_node, updated_node)
        assert isinstance(result, cst.Assign)
        return result

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        result = self._config(original_node, updated_node)
        assert isinstance(result, cst.Arg)
        return result

    def leave_DictElement(
        self, original_node: cst.DictElement, updated_node: cst.DictElement
    ) -> cst.DictElement:
        result = self._config(original_node, updated_node)
        assert isinstance(result, cst.DictElement)
        return result
