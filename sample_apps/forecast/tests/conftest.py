import pytest

from forecast import create_app

API = "https://api.weather.test/v1"


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()
