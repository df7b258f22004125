from readinglist.extensions import db
from readinglist.models import Book


def test_list_books(client):
    response = client.get("/api/books")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 3
    assert [book["title"] for book in data["items"]] == [
        "The Dispossessed",
        "A Wizard of Earthsea",
        "Small Gods",
    ]


def test_list_unread_books(client):
    data = client.get("/api/books?unread=1").get_json()
    assert [book["id"] for book in data["items"]] == [2, 3]


def test_list_books_pagination(client):
    data = client.get("/api/books?per_page=2&page=2").get_json()
    assert data["page"] == 2
    assert data["pages"] == 2
    assert [book["id"] for book in data["items"]] == [3]


def test_get_book(client):
    assert client.get("/api/books/3").get_json() == {
        "id": 3,
        "title": "Small Gods",
        "year": 1992,
        "read": False,
        "author": "Terry Pratchett",
    }


def test_get_missing_book_is_json_404(client):
    response = client.get("/api/books/99")
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_add_book(app, client):
    response = client.post("/api/books", json={"title": "Mort", "author": "Terry Pratchett"})
    assert response.status_code == 201
    assert response.get_json()["author"] == "Terry Pratchett"
    with app.app_context():
        assert Book.query.count() == 4


def test_add_book_needs_title_and_author(client):
    response = client.post("/api/books", json={"title": "Nameless"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "title and author are required"}


def test_mark_read(app, client):
    response = client.patch("/api/books/2", json={"read": True})
    assert response.get_json()["read"] is True
    with app.app_context():
        assert db.session.get(Book, 2).read is True


def test_list_authors(client):
    assert client.get("/api/authors").get_json() == [
        {"id": 2, "name": "Terry Pratchett", "books": 1},
        {"id": 1, "name": "Ursula K. Le Guin", "books": 2},
    ]


def test_cors_allows_friends(client):
    response = client.get("/api/books", headers={"Origin": "https://friends.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://friends.example"


def test_cors_refuses_strangers(client):
    response = client.get("/api/books", headers={"Origin": "https://stranger.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_preflight(client):
    response = client.options(
        "/api/books",
        headers={
            "Origin": "https://friends.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_html_pages_have_no_cors_headers(client):
    response = client.get("/", headers={"Origin": "https://friends.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
