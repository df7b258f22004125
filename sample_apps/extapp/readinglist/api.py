from flask import Blueprint, abort, jsonify, request
from flask_cors import CORS

from .extensions import csrf, db
from .models import Author, Book, get_or_create_author

bp = Blueprint("api", __name__, url_prefix="/api")
CORS(bp, origins=["https://friends.example"], max_age=600)


@bp.get("/books")
def list_books():
    query = db.select(Book).order_by(Book.id)
    if request.args.get("unread") == "1":
        query = query.filter_by(read=False)
    page = db.paginate(query, max_per_page=50)
    return jsonify(
        items=[book.to_dict() for book in page.items],
        page=page.page,
        pages=page.pages,
        total=page.total,
    )


@bp.get("/books/<int:book_id>")
def get_book(book_id):
    return jsonify(db.get_or_404(Book, book_id).to_dict())


@bp.post("/books")
@csrf.exempt
def add_book():
    data = request.get_json(silent=True) or {}
    title = (data.get("title") or "").strip()
    author = (data.get("author") or "").strip()
    if not title or not author:
        abort(400, description="title and author are required")
    book = Book(title=title, year=data.get("year"), author=get_or_create_author(author))
    db.session.add(book)
    db.session.commit()
    return jsonify(book.to_dict()), 201


@bp.patch("/books/<int:book_id>")
@csrf.exempt
def mark_read(book_id):
    book = db.get_or_404(Book, book_id)
    book.read = bool((request.get_json(silent=True) or {}).get("read", True))
    db.session.commit()
    return jsonify(book.to_dict())


@bp.get("/authors")
def list_authors():
    authors = Author.query.order_by(Author.name).all()
    return jsonify([author.to_dict() for author in authors])


@bp.errorhandler(400)
@bp.errorhandler(404)
def api_error(error):
    return jsonify(error=error.description), error.code
