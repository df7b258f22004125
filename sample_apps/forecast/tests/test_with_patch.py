"""The HTTP calls replaced with `unittest.mock` and pytest's `monkeypatch`."""

from unittest import mock

import requests

API = "https://api.weather.test/v1"


@mock.patch("forecast.weather.requests.get")
def test_current_conditions(mock_get, client):
    mock_get.return_value.json.return_value = {"temp_c": 12.0, "summary": "cloudy"}
    response = client.get("/weather/berlin")
    assert response.get_json() == {"city": "berlin", "temperature": 12.0, "summary": "cloudy"}
    mock_get.assert_called_once_with(f"{API}/current", params={"city": "berlin"}, timeout=5)


def test_connection_error(client):
    with mock.patch("forecast.weather.requests.get") as mock_get:
        mock_get.side_effect = requests.exceptions.ConnectionError("down")
        assert client.get("/weather/berlin").status_code == 503
        assert mock_get.call_count == 1


def test_report_id(client):
    with mock.patch.object(requests, "post") as mock_post:
        mock_post.return_value.status_code = 201
        mock_post.return_value.json.return_value = {"id": 99}
        response = client.post("/reports", json={"city": "rome"})
        assert response.get_json() == {"id": 99}
        mock_post.assert_called_once_with(f"{API}/reports", json={"city": "rome"}, timeout=5)


class FakeResponse:
    def __init__(self, status_code, data):
        self.status_code = status_code
        self._data = data

    def json(self):
        return self._data

    def raise_for_status(self):
        if self.status_code >= 400:
            raise requests.exceptions.HTTPError(response=self)


def test_current_conditions_with_a_fake(client, monkeypatch):
    seen = []

    def fake_get(url, params=None, **kwargs):
        seen.append(params)
        return FakeResponse(200, {"temp_c": -4.0, "summary": "frost"})

    monkeypatch.setattr("forecast.weather.requests.get", fake_get)
    response = client.get("/weather/riga")
    assert response.get_json()["temperature"] == -4.0
    assert seen == [{"city": "riga"}]


def test_report_with_a_fake(client, monkeypatch):
    monkeypatch.setattr(requests, "post", lambda url, **kwargs: FakeResponse(201, {"id": 5}))
    assert client.post("/reports", json={}).get_json() == {"id": 5}


@mock.patch.object(requests.Session, "get")
def test_alerts_through_the_session(mock_get, client):
    mock_get.return_value.status_code = 200
    mock_get.return_value.json.return_value = {"alerts": [{"title": "fog"}]}
    assert client.get("/alerts/east").get_json() == {"region": "east", "alerts": ["fog"]}
    assert mock_get.call_args.args == (f"{API}/alerts/east",)
