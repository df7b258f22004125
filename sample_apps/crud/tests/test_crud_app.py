def test_get_world(client):
    body = client.get("/worlds/7").get_json()
    assert body["id"] == 7
    assert 1 <= body["randomNumber"] <= 10_000


def test_data_is_the_same_in_every_copy(tmp_path):
    from crudapp import create_app

    def first_rows(name):
        app = create_app({"DATABASE": str(tmp_path / name), "WORLD_ROWS": 50})
        return app.test_client().get("/worlds/?limit=5").get_json()

    assert first_rows("a.sqlite3") == first_rows("b.sqlite3")


def test_missing_world_is_404(client):
    assert client.get("/worlds/51").status_code == 404


def test_list_is_paged_and_capped(client):
    assert [w["id"] for w in client.get("/worlds/?limit=3&offset=10").get_json()] == [11, 12, 13]
    assert len(client.get("/worlds/?limit=1000").get_json()) == 50


def test_update_world(client):
    response = client.put("/worlds/3", json={"randomNumber": 42})
    assert response.get_json() == {"id": 3, "randomNumber": 42}
    assert client.get("/worlds/3").get_json()["randomNumber"] == 42


def test_update_rejects_a_bad_body(client):
    assert client.put("/worlds/3", json={"randomNumber": "x"}).status_code == 400


def test_init_db_command_resets_the_data(client, runner):
    client.put("/worlds/3", json={"randomNumber": 42})
    before = client.get("/worlds/4").get_json()
    result = runner.invoke(args=["init-db"])
    assert "Initialized" in result.output
    assert client.get("/worlds/4").get_json() == before
    assert client.get("/worlds/3").get_json()["randomNumber"] != 42
