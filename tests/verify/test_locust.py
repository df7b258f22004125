"""--export-locust: the scenario as a locustfile."""

from __future__ import annotations

import ast
from pathlib import Path

from flask2quart.verify.locust import to_locustfile
from flask2quart.verify.scenario import load_scenario

SAMPLE_APPS = Path(__file__).resolve().parents[2] / "sample_apps"


def tasks(source: str) -> dict[str, int]:
    tree = ast.parse(source)
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "task":
                    found[node.name] = decorator.args[0].value  # type: ignore[attr-defined]
    return found


def test_every_weighted_request_becomes_a_task_with_its_weight() -> None:
    scenario = load_scenario(SAMPLE_APPS / "fanout" / "scenario.toml")
    source = to_locustfile(scenario, "fanout_locust.py")
    assert tasks(source) == {"summary": 6, "item": 3, "forward": 1, "legacy": 1}
    assert "locust -f fanout_locust.py" in source


def test_generated_render_matches_verify(tmp_path: Path) -> None:
    scenario = load_scenario(SAMPLE_APPS / "json" / "scenario.toml")
    source = to_locustfile(scenario)
    # Run the generated module's render() without locust installed: stub the import.
    namespace: dict[str, object] = {}
    body = source.replace("from locust import FastHttpUser, constant_throughput, task\n", "")
    body = body[: body.index("class ScenarioUser")]
    exec(compile(body, "locustfile.py", "exec"), namespace)
    render = namespace["render"]
    assert render({"id": "{n}", "x": "n={n*2}"}, {"n": 4}) == {"id": 4, "x": "n=8"}  # type: ignore[operator]


def test_fractional_weights_keep_their_proportions(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        "[[requests]]\nname = 'a'\npath = '/a'\nweight = 0.25\n"
        "[[requests]]\nname = 'b'\npath = '/b'\nweight = 0.75\n"
    )
    assert tasks(to_locustfile(load_scenario(path))) == {"a": 25, "b": 75}
