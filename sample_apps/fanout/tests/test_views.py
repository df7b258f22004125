import pytest

from fanout import DEFAULT_UPSTREAM_URL, create_app


def test_health(client, upstream):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert upstream.paths() == []


def test_upstream_url_from_environment(monkeypatch):
    monkeypatch.delenv("UPSTREAM_URL", raising=False)
    assert create_app().config["UPSTREAM_URL"] == DEFAULT_UPSTREAM_URL == "http://127.0.0.1:9000"

    monkeypatch.setenv("UPSTREAM_URL", "http://inventory.internal:8080/")
    assert create_app().config["UPSTREAM_URL"] == "http://inventory.internal:8080"


def test_summary_default_makes_forty_calls(client, upstream):
    response = client.get("/summary")
    assert response.status_code == 200
    assert response.get_json() == {"count": 40, "sum": 40 * 41}
    assert upstream.paths() == [f"/items/{i}" for i in range(1, 41)]


@pytest.mark.parametrize(("n", "total"), ((1, 2), (5, 30), (0, 0)))
def test_summary_n(client, upstream, n, total):
    response = client.get("/summary", query_string={"n": n})
    assert response.get_json() == {"count": n, "sum": total}
    assert len(upstream.paths()) == n


@pytest.mark.parametrize("n", ("-1", "501", "many"))
def test_summary_rejects_bad_n(client, upstream, n):
    response = client.get(f"/summary?n={n}")
    assert response.status_code == 400
    assert response.get_json() == {"error": "n must be an integer between 0 and 500"}
    assert upstream.paths() == []


def test_item(client, upstream):
    response = client.get("/item/21")
    assert response.status_code == 200
    assert response.get_json() == {"id": 21, "value": 42}
    assert upstream.paths() == ["/items/21"]
    # Item calls go through the shared session and its default headers.
    assert upstream.requests[0]["headers"]["User-Agent"] == "fanout/1.0"


def test_item_not_found_upstream(client, upstream):
    response = client.get("/item/10000")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found"}
    assert upstream.paths() == ["/items/10000"]


def test_forward_raw_bytes(client, upstream):
    payload = bytes(range(256)) * 4
    response = client.post("/forward", data=payload, content_type="application/octet-stream")
    assert response.status_code == 200
    assert response.data == payload
    assert response.content_type == "application/octet-stream"
    assert upstream.requests[0]["method"] == "POST"
    assert upstream.requests[0]["path"] == "/echo"
    assert upstream.requests[0]["body"] == payload


def test_forward_json_body_untouched(client, upstream):
    raw = b'{"b": 1,   "a": [1, 2]}'
    response = client.post("/forward", data=raw, content_type="application/json")
    assert response.data == raw
    assert response.get_json() == {"a": [1, 2], "b": 1}
    assert upstream.requests[0]["headers"]["Content-Type"] == "application/json"


def test_forward_empty_body(client, upstream):
    response = client.post("/forward")
    assert response.status_code == 200
    assert response.data == b""
    assert upstream.requests[0]["body"] == b""


def test_legacy_follows_redirect(client, upstream):
    response = client.get("/legacy")
    assert response.status_code == 200
    assert response.get_json() == {
        "item": {"id": 1, "value": 2},
        "redirected": True,
        "hops": [302],
        "final_path": "/items/1",
    }
    assert upstream.paths() == ["/old?source=legacy", "/items/1"]


def test_upstream_500_is_a_502(client, upstream):
    response = client.get("/unstable")
    assert response.status_code == 502
    assert response.get_json() == {"error": "upstream returned an error", "upstream_status": 500}
    assert upstream.paths() == ["/fail"]


@pytest.mark.parametrize(
    ("method", "path"),
    (("get", "/summary?n=3"), ("get", "/item/1"), ("post", "/forward"), ("get", "/legacy")),
)
def test_upstream_down_is_a_503(monkeypatch, closed_port_url, method, path):
    monkeypatch.setenv("UPSTREAM_URL", closed_port_url)
    client = create_app().test_client()
    response = getattr(client, method)(path)
    assert response.status_code == 503
    assert response.get_json() == {"error": "upstream unavailable"}


def test_upstream_timeout_is_a_504(monkeypatch, silent_server_url):
    monkeypatch.setenv("UPSTREAM_URL", silent_server_url)
    monkeypatch.setenv("UPSTREAM_TIMEOUT", "0.2")
    response = create_app().test_client().get("/item/1")
    assert response.status_code == 504
    assert response.get_json() == {"error": "upstream timed out"}


def test_unknown_route_is_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found"}
