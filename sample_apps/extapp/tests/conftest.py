import pytest

from readinglist import create_app
from readinglist.extensions import db
from readinglist.models import Author, Book


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
        le_guin = Author(name="Ursula K. Le Guin")
        pratchett = Author(name="Terry Pratchett")
        db.session.add_all(
            [
                Book(title="The Dispossessed", year=1974, author=le_guin, read=True),
                Book(title="A Wizard of Earthsea", year=1968, author=le_guin),
                Book(title="Small Gods", year=1992, author=pratchett),
            ]
        )
        db.session.commit()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()
