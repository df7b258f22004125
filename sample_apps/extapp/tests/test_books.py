from readinglist.extensions import db
from readinglist.models import Author, Book


def test_index_lists_books_by_title(client):
    response = client.get("/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "3 books" in text
    assert text.index("A Wizard of Earthsea") < text.index("Small Gods")


def test_index_paginates(app, client):
    with app.app_context():
        author = db.session.get(Author, 1)
        for number in range(12):
            db.session.add(Book(title=f"Volume {number:02}", author=author))
        db.session.commit()
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert "15 books" in first
    assert "?page=2" in first
    assert "Volume 09" in second
    assert "A Wizard of Earthsea" not in second


def test_index_page_out_of_range_is_404(client):
    assert client.get("/?page=5").status_code == 404


def test_author_page(client):
    response = client.get("/authors/1")
    assert response.status_code == 200
    assert b"The Dispossessed (1974)" in response.data


def test_unknown_author_is_404(client):
    assert client.get("/authors/99").status_code == 404


def test_new_book_form_renders(client):
    response = client.get("/books/new")
    assert response.status_code == 200
    assert b'name="title"' in response.data


def test_create_book_with_new_author(app, client):
    response = client.post(
        "/books/new", data={"title": "Kindred", "author": "Octavia E. Butler", "year": "1979"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with app.app_context():
        book = db.session.execute(db.select(Book).filter_by(title="Kindred")).scalar_one()
        assert book.author.name == "Octavia E. Butler"
        assert book.year == 1979


def test_create_book_reuses_author(app, client):
    client.post("/books/new", data={"title": "Mort", "author": "Terry Pratchett"})
    with app.app_context():
        assert Author.query.count() == 2
        assert len(db.session.get(Author, 2).books) == 2


def test_create_flashes_a_message(client):
    response = client.post(
        "/books/new", data={"title": "Mort", "author": "Terry Pratchett"}, follow_redirects=True
    )
    assert b"Added Mort." in response.data


def test_create_requires_title(app, client):
    response = client.post("/books/new", data={"title": "", "author": "Someone"})
    assert response.status_code == 200
    assert b"This field is required." in response.data
    with app.app_context():
        assert Book.query.count() == 3


def test_create_rejects_bad_year(client):
    response = client.post(
        "/books/new", data={"title": "Future", "author": "Someone", "year": "3000"}
    )
    assert b"Number must be between 1450 and 2100." in response.data


def test_edit_form_is_prefilled(client):
    response = client.get("/books/1/edit")
    assert b'value="The Dispossessed"' in response.data
    assert b'value="Ursula K. Le Guin"' in response.data


def test_edit_book(app, client):
    response = client.post(
        "/books/3/edit",
        data={"title": "Small Gods", "author": "Terry Pratchett", "year": "1992", "read": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Book, 3).read is True


def test_edit_unknown_book_is_404(client):
    assert client.get("/books/42/edit").status_code == 404


def test_delete_book(app, client):
    response = client.post("/books/2/delete", follow_redirects=True)
    assert b"Deleted A Wizard of Earthsea." in response.data
    with app.app_context():
        assert db.session.get(Book, 2) is None


def test_delete_needs_post(client):
    assert client.get("/books/2/delete").status_code == 405


def test_csrf_protects_forms(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/books/new", data={"title": "Mort", "author": "Terry Pratchett"})
    assert response.status_code == 400
    assert b"The CSRF token is missing." in response.data
