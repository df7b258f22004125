"""Every rule as a LibCST ``CodemodCommand``:
``python -m libcst.tool codemod --no-format commands.<Rule> PATH`` (LibCST's runner formats with
black unless told not to).

LibCST's runner hands each command one file at a time, so the whole-program analysis sees only
that file: calls into other modules are not followed (``flask2quart migrate`` does that). The
command runs the rule with what it requires, and each report line becomes a codemod warning.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodCommand

from flask2quart._rules import Rule
from flask2quart._runner import convert_module

from . import RULES, select_rules


class RuleCommand(CodemodCommand):
    RULE: ClassVar[type[Rule]]

    @abstractmethod
    def rule_id(self) -> str:
        """Abstract, so LibCST's ``list`` shows the per-rule commands, not this base."""

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        rules, _ = select_rules([self.RULE.id], enable=[self.RULE.id])
        filename = self.context.filename or "module.py"
        module_name = self.context.full_module_name or filename.rsplit("/", 1)[-1][:-3]
        is_package = filename.endswith("__init__.py")
        converted, findings = convert_module(tree, filename, module_name, is_package, rules)
        for finding in findings:
            self.warn(finding.format())
        return converted


def _command(rule: type[Rule]) -> type[RuleCommand]:
    def rule_id(self: RuleCommand) -> str:
        return rule.id

    return type(
        rule.__name__,
        (RuleCommand,),
        {
            "RULE": rule,
            "DESCRIPTION": f"{rule.id} {rule.name}: {rule.summary}",
            "rule_id": rule_id,
        },
    )


COMMANDS: dict[str, type[RuleCommand]] = {rule.__name__: _command(rule) for rule in RULES}
globals().update(COMMANDS)
