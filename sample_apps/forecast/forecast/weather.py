"""The weather API client: every call the app makes to it."""

import requests
from flask import current_app

from .errors import UpstreamError

# Alerts come from the same API with the key as a header: one session keeps it.
session = requests.Session()


def _url(path):
    return current_app.config["WEATHER_API_URL"] + path


def current_conditions(city):
    try:
        response = requests.get(_url("/current"), params={"city": city}, timeout=5)
        response.raise_for_status()
    except requests.exceptions.ConnectionError:
        raise UpstreamError("weather service unreachable", 503)
    except requests.exceptions.Timeout:
        raise UpstreamError("weather service timed out", 504)
    except requests.exceptions.HTTPError as error:
        raise UpstreamError(
            "weather service error", 502, upstream_status=error.response.status_code
        )
    data = response.json()
    return {"city": city, "temperature": data["temp_c"], "summary": data["summary"]}


def submit_report(report):
    response = requests.post(_url("/reports"), json=report, timeout=5)
    if response.status_code != 201:
        raise UpstreamError("report rejected", 502, upstream_status=response.status_code)
    return response.json()["id"]


def alerts(region):
    session.headers["X-Api-Key"] = current_app.config["WEATHER_API_KEY"]
    response = session.get(_url(f"/alerts/{region}"), timeout=5)
    if response.status_code == 404:
        return []
    response.raise_for_status()
    return [alert["title"] for alert in response.json()["alerts"]]
