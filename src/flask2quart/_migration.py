"""From resolved settings to the runner's options: one path shared by ``migrate`` and ``verify``,
so what ``verify`` measures is converted exactly as ``migrate`` would ship it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flask2quart._config import Config
from flask2quart._pipeline import Mode, Options
from flask2quart._settings import Settings, cache_location
from flask2quart.codemods import select_rules


@dataclass(frozen=True)
class Migration:
    options: Options
    notes: list[str]  # what rule selection added or removed, for the report

    def describe(self, settings: Settings, config: Config) -> str:
        """Which rules and settings, and from where: for verify's report and -v."""
        source = str(config.path) if config.values and config.path else "no [tool.flask2quart]"
        count = len(self.options.rules)
        return f"{count} rules; settings: {settings.describe()} ({source})"


def migration_for(
    settings: Settings,
    config: Config,
    mode: Mode,
    out_dir: Path | None = None,
    *,
    always: tuple[str, ...] = (),
) -> Migration:
    """The runner's options for these settings; ``always`` rule ids are never left out.

    Raises ``UnknownRuleError`` for an unknown rule id (the caller says where it came from).
    """
    only = [*settings.only, *always] if settings.only else []
    skip = [rule_id for rule_id in settings.skip if rule_id not in always]
    rules, notes = select_rules(only, skip, list(settings.enable))
    cache_dir = cache_location(settings, config.project_root, os.environ)
    options = Options(
        mode=mode,
        out_dir=out_dir,
        rules=rules,
        settings=settings.rule_settings(),
        jobs=settings.jobs or os.cpu_count() or 1,
        cache_dir=cache_dir if settings.cache else None,
        include_generated=settings.include_generated,
        formatter=settings.format or None,
        include=settings.include,
        exclude=(*settings.exclude, *settings.extend_exclude),
        config_root=config.project_root,
    )
    return Migration(options, notes)
