"""Thin client for the upstream inventory service.

Item look-ups share one pooled ``requests.Session`` (keep-alive matters when a single
request to us makes dozens of calls); the rarer calls use plain ``requests`` functions.
"""

import requests
from flask import current_app

_session = requests.Session()
_session.headers.update({"User-Agent": "fanout/1.0", "Accept": "application/json"})


def _url(path):
    return f"{current_app.config['UPSTREAM_URL']}{path}"


def fetch_item(item_id):
    """Return the upstream item as a dict; raises ``requests.HTTPError`` on 4xx/5xx."""
    response = _session.get(
        _url(f"/items/{item_id}"), timeout=current_app.config["UPSTREAM_TIMEOUT"]
    )
    response.raise_for_status()
    return response.json()


def fetch_item_value(item_id):
    return fetch_item(item_id)["value"]


def post_echo(body, content_type):
    # Upstream echoes the body back; no timeout, as the original integration had it.
    return requests.post(_url("/echo"), data=body, headers={"Content-Type": content_type})


def fetch_legacy(source):
    """The old endpoint moved: upstream redirects and requests follows the redirect."""
    return requests.get(
        _url("/old"), params={"source": source}, timeout=current_app.config["UPSTREAM_TIMEOUT"]
    )


def fetch_unstable():
    response = _session.get(_url("/fail"))
    response.raise_for_status()
    return response.json()
