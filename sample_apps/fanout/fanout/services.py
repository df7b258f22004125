"""Business logic on top of the upstream client."""

from urllib.parse import urlsplit

import requests

from . import upstream
from .errors import UpstreamError


def _translate(exc):
    """Map a requests failure to the error our clients see."""
    if isinstance(exc, requests.HTTPError):
        return UpstreamError(
            "upstream returned an error", 502, upstream_status=exc.response.status_code
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return UpstreamError("upstream timed out", 504)
    return UpstreamError("upstream unavailable", 503)


def collect_values(item_ids):
    """One upstream call per id, in order."""
    return [upstream.fetch_item_value(item_id) for item_id in item_ids]


def summarize(n):
    """Sum the values of items 1..n."""
    try:
        values = collect_values(range(1, n + 1))
    except requests.exceptions.RequestException as exc:
        raise _translate(exc) from exc
    return {"count": len(values), "sum": sum(values)}


def get_item(item_id):
    """The upstream item, or None when upstream does not know it."""
    try:
        return upstream.fetch_item(item_id)
    except requests.HTTPError as exc:
        if exc.response.status_code == 404:
            return None
        raise _translate(exc) from exc
    except requests.exceptions.RequestException as exc:
        raise _translate(exc) from exc


def forward(body, content_type):
    try:
        response = upstream.post_echo(body, content_type)
    except requests.exceptions.ConnectionError as exc:
        raise _translate(exc) from exc
    if not response.ok:
        raise UpstreamError("upstream rejected the payload", 502, response.status_code)
    return response.content, response.headers.get("Content-Type", content_type)


def legacy_item():
    try:
        response = upstream.fetch_legacy("legacy")
        response.raise_for_status()
    except requests.exceptions.RequestException as exc:
        raise _translate(exc) from exc
    return {
        "item": response.json(),
        "redirected": bool(response.history),
        "hops": [r.status_code for r in response.history],
        "final_path": urlsplit(response.url).path,
    }


def unstable():
    try:
        return upstream.fetch_unstable()
    except requests.exceptions.RequestException as exc:
        raise _translate(exc) from exc
