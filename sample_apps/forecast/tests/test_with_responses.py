"""The weather API mocked with `responses`."""

import pytest
import requests
import responses

API = "https://api.weather.test/v1"


@responses.activate
def test_current_conditions(client):
    responses.add(
        responses.GET,
        f"{API}/current",
        json={"temp_c": 21.5, "summary": "sunny"},
        status=200,
    )
    response = client.get("/weather/paris")
    assert response.status_code == 200
    assert response.get_json() == {"city": "paris", "temperature": 21.5, "summary": "sunny"}
    assert len(responses.calls) == 1
    assert responses.calls[0].request.url == f"{API}/current?city=paris"


@responses.activate
def test_upstream_error_is_reported(client):
    responses.get(f"{API}/current", json={"error": "boom"}, status=500)
    response = client.get("/weather/paris")
    assert response.status_code == 502
    assert response.get_json() == {"error": "weather service error", "upstream_status": 500}


@responses.activate
def test_upstream_unreachable(client):
    responses.add(
        responses.GET, f"{API}/current", body=requests.exceptions.ConnectionError("refused")
    )
    response = client.get("/weather/paris")
    assert response.status_code == 503


@responses.activate
def test_upstream_timeout(client):
    responses.add(responses.GET, f"{API}/current", body=requests.exceptions.ReadTimeout())
    assert client.get("/weather/oslo").status_code == 504


def test_report_is_submitted(client):
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{API}/reports", json={"id": 7}, status=201)
        response = client.post("/reports", json={"city": "paris", "rain": True})
        assert response.status_code == 201
        assert response.get_json() == {"id": 7}
        assert rsps.calls[0].request.headers["Content-Type"] == "application/json"


@pytest.fixture
def mocked_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_alerts(client, mocked_api):
    mocked_api.add(
        responses.GET,
        f"{API}/alerts/north",
        json={"alerts": [{"title": "storm"}, {"title": "hail"}]},
    )
    response = client.get("/alerts/north")
    assert response.get_json() == {"region": "north", "alerts": ["storm", "hail"]}
    assert mocked_api.calls[0].request.headers["X-Api-Key"] == "dev-key"


def test_no_alerts_for_unknown_region(client, mocked_api):
    mocked_api.add(responses.GET, f"{API}/alerts/nowhere", status=404)
    assert client.get("/alerts/nowhere").get_json() == {"region": "nowhere", "alerts": []}
