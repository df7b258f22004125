"""Scenario files, placeholders and the requests drawn from them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from flask2quart.verify.scenario import (
    ScenarioError,
    check_app_spec,
    default_scenario,
    equivalence_requests,
    load_scenario,
    load_sequence,
    render,
)

SAMPLE_APPS = Path(__file__).resolve().parents[2] / "sample_apps"

SCENARIO = """
compare_headers = ["Location", "X-Version"]

[[requests]]
name = "item"
path = "/item/{id}"
query = { verbose = "{flag}" }
weight = 3
vars = { id = { range = [1, 5] }, flag = { choice = ["0", "1"] } }

[[requests]]
method = "post"
path = "/echo"
json = { id = "{n}", label = "n={n}", double = "{n*2}" }
weight = 1
vars = { n = { range = [10, 10] } }

[[requests]]
path = "/health"
weight = 0

[upstreams.api]
env = "API_URL"
latency = { distribution = "lognormal", mean_ms = 20, sd_ms = 5 }

[[upstreams.api.routes]]
path = "/items/<int:id>"
json = { id = "{id}" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return path


def test_load_scenario_reads_every_part(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, SCENARIO))
    assert [r.name for r in scenario.requests] == ["item", "POST /echo", "GET /health"]
    assert scenario.requests[1].method == "POST"
    assert scenario.compare_headers == ("location", "x-version")
    (upstream,) = scenario.upstreams
    assert (upstream.env, upstream.latency.distribution, upstream.latency.mean_ms) == (
        "API_URL",
        "lognormal",
        20.0,
    )
    assert upstream.routes[0].path == "/items/<int:id>"


def test_render_keeps_the_type_of_a_whole_placeholder() -> None:
    values = {"n": 7, "name": "Ada"}
    assert render("{n}", values) == 7
    assert render("n={n}", values) == "n=7"
    assert render({"a": ["{name}", "{n*3}", "{n+1}", "{n-2}"]}, values) == {"a": ["Ada", 21, 8, 5]}
    assert render("{not a placeholder}", values) == "{not a placeholder}"


def test_concrete_requests_are_exact_bytes(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, SCENARIO))
    echo = next(r for r in equivalence_requests(scenario) if r.method == "POST")
    body = b'{"id":10,"label":"n=10","double":20}'
    assert echo.raw() == (
        b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    assert echo.raw(close=True).count(b"Connection: close\r\n") == 1
    item = next(r for r in equivalence_requests(scenario) if r.name == "item")
    assert item.raw().startswith(f"GET {item.target} HTTP/1.1\r\n".encode())
    assert b"Content-Length" not in item.raw()  # a GET without a body sends none


def test_load_sequence_follows_weights_and_is_reproducible(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, SCENARIO))
    sequence = load_sequence(scenario, 4000, seed=3)
    assert sequence == load_sequence(scenario, 4000, seed=3)
    items = sum(r.name == "item" for r in sequence)
    assert 0.7 < items / len(sequence) < 0.8  # weight 3 of 4
    assert not any(r.name == "GET /health" for r in sequence)  # weight 0: equivalence only
    assert {r.target.split("?")[0] for r in sequence if r.name == "item"} <= {
        f"/item/{i}" for i in range(1, 6)
    }


def test_equivalence_requests_include_weight_zero_and_sample_variables(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, SCENARIO))
    requests = equivalence_requests(scenario, samples=3, seed=0)
    names = [r.name for r in requests]
    assert "GET /health" in names
    assert 1 <= names.count("item") <= 3
    assert names.count("POST /echo") == 1  # the only value of n is 10: duplicates dropped


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[requests]]\npath = 'x'\n", "path must be a string starting with '/'"),
        ("[[requests]]\npath = '/a'\nmethod = 'TRACE'\n", "method must be one of"),
        ("[[requests]]\npath = '/a/{id}'\n", "placeholder {id} has no entry in vars"),
        ("[[requests]]\npath = '/a'\nweight = 0\n", "at least one request needs a weight above 0"),
        ("[[requests]]\npath = '/a'\njson = {}\nbody = 'x'\n", "only one of json, form and body"),
        ("[[requests]]\npath = '/a'\nvars = { x = { range = [3, 1] } }\n", "low <= high"),
        ("[[requests]]\npath = '/a'\nmethd = 'GET'\n", "unknown key 'methd'"),
        ("requests = 3\n", "declare at least one [[requests]]"),
        ("[[requests]\n", "not valid TOML"),
        (
            "[[requests]]\npath = '/a'\n[upstreams.u]\nenv = 'U'\nlatency = { distribution = "
            "'pareto' }\n"
            "[[upstreams.u.routes]]\npath = '/x'\n",
            "distribution must be one of",
        ),
        ("[[requests]]\npath = '/a'\n[upstreams.u]\nenv = 'U'\n", "declare at least one"),
    ],
)
def test_bad_scenarios_get_one_line_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_scenario_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the scenario"):
        load_scenario(tmp_path / "absent.toml")


def test_default_scenario_is_every_route_given(tmp_path: Path) -> None:
    scenario = default_scenario(["/", "/health"])
    assert [(r.method, r.path, r.weight) for r in scenario.requests] == [
        ("GET", "/", 1.0),
        ("GET", "/health", 1.0),
    ]
    with pytest.raises(ScenarioError, match="no GET route"):
        default_scenario([])


@pytest.mark.parametrize("spec", ["wsgi:app", "pkg.mod:create_app()", "a:b"])
def test_app_specs_accepted(spec: str) -> None:
    check_app_spec(spec)


@pytest.mark.parametrize("spec", ["wsgi", "wsgi:app(1)", "wsgi:app.x", ":app", "w si:app"])
def test_app_specs_rejected(spec: str) -> None:
    with pytest.raises(ValueError, match="MODULE:NAME"):
        check_app_spec(spec)


@pytest.mark.parametrize("app", ["json", "cpu", "crud", "fanout"])
def test_sample_app_scenarios_load(app: str) -> None:
    scenario = load_scenario(SAMPLE_APPS / app / "scenario.toml")
    assert scenario.requests
    # Every template renders (placeholders all have variables).
    assert load_sequence(scenario, 50, seed=0)


def test_variables_draw_from_their_declaration() -> None:
    from flask2quart.verify.scenario import Variable

    rng = random.Random(0)
    assert {Variable(low=2, high=4).draw(rng) for _ in range(200)} == {2, 3, 4}
    assert {Variable(choices=("a", "b")).draw(rng) for _ in range(50)} == {"a", "b"}
