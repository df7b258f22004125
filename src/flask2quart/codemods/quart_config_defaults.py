"""F2Q115: report the configuration defaults that differ between Flask and Quart.

Quart limits request bodies to 16 MiB (Flask: unlimited), times out bodies and responses after
60 s, and caches ``send_file``/static responses for 12 hours by default (spec §1.14). These are
protections, so they are not switched off silently: each app creation site gets a warning listing
the defaults the module does not set itself, with the setting that restores Flask's behaviour.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

DEFAULTS = {
    "MAX_CONTENT_LENGTH": "a 16 MiB request body limit",
    "BODY_TIMEOUT": "a 60 s body timeout",
    "RESPONSE_TIMEOUT": "a 60 s response timeout",
    "SEND_FILE_MAX_AGE_DEFAULT": "12 h caching of send_file and static files",
}


class QuartConfigDefaults(Rule):
    id = "F2Q115"
    name = "quart-config-defaults"
    summary = "report Quart's different defaults (16 MiB body limit, 60 s timeouts, 12 h caching)"

    def visit_Module(self, node: cst.Module) -> None:
        self.source = self.context.source_text

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.context.callee_name(original_node) != "flask.Flask":
            return updated_node
        missing = [key for key in DEFAULTS if key not in self.source]
        if not missing:
            return updated_node
        details = ", ".join(DEFAULTS[key] for key in missing)
        self.context.report(
            original_node,
            self.id,
            "warning",
            f"Quart adds {details} (Flask has none)",
            f"set {', '.join(missing)} to None in the config to keep Flask's behaviour",
        )
        return updated_node
