"""Comparing two responses (pure), and the mock upstream's routing (pure)."""

from __future__ import annotations

import random

from flask2quart.verify.equivalence import Response, compare
from flask2quart.verify.scenario import ConcreteRequest, Latency, UpstreamRoute
from flask2quart.verify.upstream import build_response, compile_path, delay_seconds

REQUEST = ConcreteRequest("r", "GET", "/thing", (), b"")


def response(status: int = 200, body: bytes = b"", **headers: str) -> Response:
    return Response(
        status=status, headers={k.replace("_", "-"): v for k, v in headers.items()}, body=body
    )


def test_json_bodies_compare_structurally() -> None:
    a = response(body=b'{"a": 1, "b": [1, 2]}', content_type="application/json")
    b = response(body=b'{"b":[1,2],"a":1}\n', content_type="application/json")
    assert compare(REQUEST, a, b, ()) == []


def test_json_list_order_matters() -> None:
    a = response(body=b"[1, 2]", content_type="application/json")
    b = response(body=b"[2, 1]", content_type="application/json")
    (difference,) = compare(REQUEST, a, b, ())
    assert difference.aspect == "body"
    assert "[1, 2]" in difference.original and "[2, 1]" in difference.converted


def test_text_bodies_compare_byte_for_byte() -> None:
    a = response(body=b"Hello", content_type="text/plain")
    b = response(body=b"Hello ", content_type="text/plain")
    assert [d.aspect for d in compare(REQUEST, a, b, ())] == ["body"]


def test_status_content_type_and_chosen_headers() -> None:
    a = response(302, content_type="text/html; charset=utf-8", location="/a", x_extra="1")
    b = response(301, content_type="text/html; charset=latin-1", location="/b", x_extra="2")
    aspects = [d.aspect for d in compare(REQUEST, a, b, ("location",))]
    assert aspects == ["status", "content-type", "header location"]


def test_charset_missing_on_one_side_is_not_a_difference() -> None:
    a = response(content_type="text/plain; charset=utf-8")
    b = response(content_type="text/plain")
    assert compare(REQUEST, a, b, ()) == []


def test_body_comparison_can_be_turned_off_per_request() -> None:
    request = ConcreteRequest("r", "GET", "/now", (), b"", compare_body=False)
    assert compare(request, response(body=b"1"), response(body=b"2"), ()) == []


def test_a_transport_error_on_one_side_is_a_difference() -> None:
    (difference,) = compare(REQUEST, response(), Response(error="ConnectionResetError"), ())
    assert difference.aspect == "error"
    assert "ConnectionResetError" in difference.format()


def test_upstream_paths_with_converters() -> None:
    pattern = compile_path("/items/<int:id>/tags/<name>")
    match = pattern.fullmatch("/items/12/tags/red")
    assert match is not None and match.groupdict() == {"id": "12", "name": "red"}
    assert pattern.fullmatch("/items/x/tags/red") is None
    assert compile_path("/a.b").fullmatch("/aXb") is None  # literal parts are escaped


def test_upstream_response_renders_json_from_the_path() -> None:
    route = UpstreamRoute(path="/items/<int:id>", json={"id": "{id}", "value": "{id*2}"})
    raw = build_response(route, {"id": 21}, b"")
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Type: application/json\r\n" in raw
    assert raw.endswith(b'\r\n\r\n{"id":21,"value":42}')


def test_upstream_echo_and_redirect() -> None:
    echo = build_response(
        UpstreamRoute(path="/echo", method="POST", echo=True), {}, b"abc", "text/x-mine"
    )
    assert b"Content-Type: text/x-mine\r\n" in echo
    assert echo.endswith(b"Content-Length: 3\r\n\r\nabc")
    redirect = build_response(
        UpstreamRoute(path="/old", status=302, headers={"Location": "/items/1"}), {}, b""
    )
    assert redirect.startswith(b"HTTP/1.1 302 Found\r\nLocation: /items/1\r\n")


def test_upstream_latency_distributions() -> None:
    rng = random.Random(0)
    assert delay_seconds(Latency("fixed", 20, 5), rng) == 0.02
    normal = [delay_seconds(Latency("normal", 10, 2), rng) for _ in range(4000)]
    assert abs(sum(normal) / len(normal) - 0.010) < 0.0003
    assert min(normal) >= 0
    lognormal = [delay_seconds(Latency("lognormal", 20, 10), rng) for _ in range(8000)]
    mean = sum(lognormal) / len(lognormal)
    spread = (sum((x - mean) ** 2 for x in lognormal) / len(lognormal)) ** 0.5
    assert abs(mean - 0.020) < 0.001 and abs(spread - 0.010) < 0.0015
