"""The rewrite rules, one per module, in the order the batched transformer runs them.

Order matters only where two rules touch the same node kind: a rule that rewrites a call's
arguments must run before the rules that wrap calls in ``await`` (they only wrap nodes that are
still calls), and :class:`MakeAsync` runs last because it turns ``def`` into ``async def`` after
every rule has had its say about the body.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask2quart._rules import Rule

from .app_run_arguments import AppRunArguments
from .async_app_contexts import AsyncAppContexts
from .async_test_functions import AsyncTestFunctions
from .async_unittest_cases import AsyncUnittestCases
from .async_view_decorators import AsyncViewDecorators
from .await_quart_apis import AwaitQuartApis
from .await_test_client import AwaitTestClient
from .await_test_responses import AwaitTestResponses
from .awaited_assertion_callables import AwaitedAssertionCallables
from .background_work import BackgroundWork
from .blocking_calls import BlockingCalls
from .cli_app_context import CliAppContext
from .cli_runner_off_the_loop import CliRunnerOffTheLoop
from .extension_inventory import ExtensionInventory
from .flask_babel_to_quart_babel import FlaskBabelToQuartBabel
from .flask_cors_to_quart_cors import FlaskCorsToQuartCors
from .flask_extension_bridge import FlaskExtensionBridge
from .flask_limiter_to_quart_rate_limiter import FlaskLimiterToQuartRateLimiter
from .flask_login_to_quart_auth import FlaskLoginToQuartAuth
from .flask_session_to_quart_session import FlaskSessionToQuartSession
from .flask_sqlalchemy_adapter import FlaskSqlalchemyAdapter
from .flask_style_test_client import FlaskStyleTestClient
from .flask_wtf_to_quart_wtf import FlaskWtfToQuartWtf
from .gather_loops import GatherLoops
from .helper_signatures import HelperSignatures
from .hook_registries import HookRegistries
from .httpx_exceptions import HttpxExceptions
from .httpx_response_attributes import HttpxResponseAttributes
from .make_async import MakeAsync
from .open_resource import OpenResource
from .patched_http_calls import PatchedHttpCalls
from .prefixed_env import PrefixedEnv
from .project_dependencies import ProjectDependencies
from .pytest_flask_fixtures import PytestFlaskFixtures
from .quart_config_defaults import QuartConfigDefaults
from .rename_flask_imports import RenameFlaskImports
from .request_environ_reads import RequestEnvironReads
from .requests_mock_to_respx import RequestsMockToRespx
from .requests_to_httpx import RequestsToHttpx
from .responses_to_respx import ResponsesToRespx
from .serving_hooks_in_tests import ServingHooksInTests
from .shared_http_client import SharedHttpClient
from .sqlalchemy_session_scope import SqlalchemySessionScope
from .sqlite_thread_affinity import SqliteThreadAffinity
from .stream_with_context import StreamWithContext
from .template_attribute import TemplateAttribute
from .test_client_arguments import TestClientArguments
from .test_client_attributes import TestClientAttributes
from .test_client_subclass_arguments import TestClientSubclassArguments
from .view_errors_in_tests import ViewErrorsInTests
from .wsgi_only_apis import WsgiOnlyApis

RULES: tuple[type[Rule], ...] = (
    # reads import statements only: its place does not matter; first, as in the report
    ExtensionInventory,
    RenameFlaskImports,
    # Flask extensions -> their Quart counterparts (F2Q402-F2Q408) or the bridge (F2Q409);
    # F2Q403 also wraps form construction in ``await`` itself (it replaces the call).
    FlaskSqlalchemyAdapter,
    FlaskWtfToQuartWtf,
    FlaskCorsToQuartCors,
    FlaskBabelToQuartBabel,
    FlaskLimiterToQuartRateLimiter,
    FlaskSessionToQuartSession,
    FlaskLoginToQuartAuth,
    FlaskExtensionBridge,
    # Rules that rewrite a call's arguments or replace the call: before anything wraps it in
    # ``await`` (the awaiting rules only wrap nodes that are still calls).
    HelperSignatures,
    PrefixedEnv,
    OpenResource,
    TemplateAttribute,
    StreamWithContext,
    RequestEnvironReads,
    WsgiOnlyApis,
    CliAppContext,
    AppRunArguments,
    SqliteThreadAffinity,
    SqlalchemySessionScope,
    QuartConfigDefaults,
    HookRegistries,
    BackgroundWork,
    TestClientArguments,
    TestClientSubclassArguments,
    TestClientAttributes,
    FlaskStyleTestClient,
    PytestFlaskFixtures,  # finish() only: the conftest edit, after every file is converted
    # requests -> httpx: rewrites a requests call's arguments, then awaits it itself
    RequestsToHttpx,
    HttpxResponseAttributes,
    HttpxExceptions,
    SharedHttpClient,
    # mocks of the requests calls -> mocks of the httpx calls (after F2Q203 renamed the
    # exception classes they raise)
    PatchedHttpCalls,
    ResponsesToRespx,
    RequestsMockToRespx,
    # Rules that insert ``await``.
    AsyncViewDecorators,
    AwaitQuartApis,
    AwaitedAssertionCallables,
    AsyncAppContexts,
    BlockingCalls,
    GatherLoops,  # reads the awaits other rules put on calls (children are left first)
    AwaitTestClient,
    AwaitTestResponses,
    CliRunnerOffTheLoop,
    ViewErrorsInTests,
    AsyncUnittestCases,
    # Wraps a test's body in ``async with app.test_app()``: before F2Q301 decorates it.
    ServingHooksInTests,
    # Test-function decorators (F2Q301) read what the rules above made async.
    AsyncTestFunctions,
    # Last: ``async def`` once every rule has had its say about the body.
    MakeAsync,
    # Its finish() applies the dependency changes every other rule's finish() asked for.
    ProjectDependencies,
)

__all__ = [rule.__name__ for rule in RULES] + ["RULES", "select_rules"]


class UnknownRuleError(ValueError):
    pass


def _by_id() -> dict[str, type[Rule]]:
    return {rule.id: rule for rule in RULES}


def select_rules(
    only: Iterable[str] = (), skip: Iterable[str] = (), enable: Iterable[str] = ()
) -> tuple[list[type[Rule]], list[str]]:
    """The enabled rules in registry order, and notes about rules enabled or disabled implicitly.

    ``only`` pulls in what the chosen rules require; ``skip`` also disables the rules that
    require a skipped one (their rewrites would not compile without it); opt-in rules run only
    when named in ``only`` or ``enable``.
    """
    by_id = _by_id()
    for rule_id in [*only, *skip, *enable]:
        if rule_id not in by_id:
            raise UnknownRuleError(rule_id)
    notes: list[str] = []
    if only:
        enabled = set(only) | set(enable)
    else:
        enabled = {rule_id for rule_id, rule in by_id.items() if not rule.opt_in} | set(enable)
    changed = True
    while changed:
        changed = False
        for rule_id in sorted(enabled):
            for needed in by_id[rule_id].requires:
                if needed not in enabled:
                    enabled.add(needed)
                    notes.append(f"{needed} enabled: {rule_id} requires it")
                    changed = True
    skipped = set(skip)
    changed = True
    while changed:
        changed = False
        for rule_id in sorted(enabled - skipped):
            if any(needed in skipped for needed in by_id[rule_id].requires):
                skipped.add(rule_id)
                notes.append(f"{rule_id} skipped: it requires a skipped rule")
                changed = True
    return [rule for rule in RULES if rule.id in enabled - skipped], notes
