"""Forecast: a small Flask app in front of a third-party weather API.

It calls the API with ``requests`` (module functions and a shared ``requests.Session``); its
test suite never reaches the API: it mocks the HTTP calls with ``responses``, ``requests_mock``
and ``unittest.mock``, as real projects do.
"""

from flask import Flask, jsonify

from .errors import UpstreamError

DEFAULT_API_URL = "https://api.weather.test/v1"


def create_app(config=None):
    app = Flask(__name__)
    app.config.from_mapping(WEATHER_API_URL=DEFAULT_API_URL, WEATHER_API_KEY="dev-key")
    app.config.update(config or {})

    from . import views

    app.register_blueprint(views.bp)

    @app.errorhandler(UpstreamError)
    def handle_upstream_error(error):
        return jsonify(error.to_dict()), error.status_code

    return app
