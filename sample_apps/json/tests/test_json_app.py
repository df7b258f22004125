def test_json_message(client):
    response = client.get("/json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"message": "Hello, World!"}


def test_plaintext(client):
    response = client.get("/plaintext")
    assert response.data == b"Hello, World!"
    assert response.mimetype == "text/plain"


def test_greet_reads_the_query_string(client):
    assert client.get("/greet/Ada").get_json()["greeting"] == "Hello, Ada."
    assert client.get("/greet/Ada?excited=1").get_json()["greeting"] == "Hello, Ada!"


def test_echo_returns_the_body(client):
    response = client.post("/echo", json={"b": 1, "a": [1, 2]})
    assert response.get_json() == {"received": {"b": 1, "a": [1, 2]}, "keys": ["a", "b"]}


def test_echo_rejects_a_body_that_is_not_json(client):
    response = client.post("/echo", data="nope", content_type="text/plain")
    assert response.status_code == 400


def test_health(client):
    assert client.get("/health").get_json() == {"status": "ok"}
