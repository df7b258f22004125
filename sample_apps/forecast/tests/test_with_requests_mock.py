"""The weather API mocked with `requests_mock` (its pytest fixture and its Mocker)."""

import requests
import requests_mock

API = "https://api.weather.test/v1"


def test_current_conditions(client, requests_mock):
    requests_mock.get(f"{API}/current", json={"temp_c": 3.0, "summary": "snow"})
    response = client.get("/weather/oslo")
    assert response.get_json() == {"city": "oslo", "temperature": 3.0, "summary": "snow"}
    assert requests_mock.called
    assert requests_mock.call_count == 1


def test_query_string_is_sent(client, requests_mock):
    route = requests_mock.get(f"{API}/current?city=rome", json={"temp_c": 30, "summary": "hot"})
    assert client.get("/weather/rome").status_code == 200
    assert route.called_once


def test_upstream_status_is_reported(client, requests_mock):
    requests_mock.get(f"{API}/current", status_code=404, json={"error": "unknown city"})
    response = client.get("/weather/atlantis")
    assert response.status_code == 502
    assert response.get_json()["upstream_status"] == 404


def test_connection_error(client, requests_mock):
    requests_mock.get(f"{API}/current", exc=requests.exceptions.ConnectionError)
    assert client.get("/weather/paris").status_code == 503


def test_report_rejected(client):
    with requests_mock.Mocker() as m:
        m.post(f"{API}/reports", status_code=400, json={"error": "bad report"})
        response = client.post("/reports", json={"city": "paris"})
        assert response.status_code == 502
        assert m.call_count == 1


def test_report_body(client):
    with requests_mock.Mocker() as m:
        m.post(f"{API}/reports", status_code=201, json={"id": 12})
        client.post("/reports", json={"city": "lima", "rain": False})
        assert m.last_request.json() == {"city": "lima", "rain": False}
