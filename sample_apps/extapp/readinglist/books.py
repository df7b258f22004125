from flask import Blueprint, flash, redirect, render_template, request, url_for

from .extensions import db
from .forms import BookForm, DeleteForm
from .models import Author, Book, get_or_create_author

bp = Blueprint("books", __name__)


@bp.route("/")
def index():
    page = db.paginate(db.select(Book).order_by(Book.title), per_page=10)
    return render_template("index.html", page=page, delete_form=DeleteForm())


@bp.route("/authors/<int:author_id>")
def author(author_id):
    author = db.get_or_404(Author, author_id)
    return render_template("author.html", author=author)


@bp.route("/books/new", methods=["GET", "POST"])
def create():
    form = BookForm()
    if form.validate_on_submit():
        book = Book(
            title=form.title.data,
            year=form.year.data,
            read=form.read.data,
            author=get_or_create_author(form.author.data.strip()),
        )
        db.session.add(book)
        db.session.commit()
        flash(f"Added {book.title}.")
        return redirect(url_for("books.index"))
    return render_template("edit.html", form=form, title="New book")


@bp.route("/books/<int:book_id>/edit", methods=["GET", "POST"])
def edit(book_id):
    book = db.get_or_404(Book, book_id)
    form = BookForm(obj=book)
    if request.method == "GET":
        form.author.data = book.author.name
    if form.validate_on_submit():
        book.title = form.title.data
        book.year = form.year.data
        book.read = form.read.data
        book.author = get_or_create_author(form.author.data.strip())
        db.session.commit()
        flash(f"Saved {book.title}.")
        return redirect(url_for("books.index"))
    return render_template("edit.html", form=form, title=f"Edit {book.title}")


@bp.post("/books/<int:book_id>/delete")
def delete(book_id):
    book = db.get_or_404(Book, book_id)
    form = DeleteForm()
    if form.validate_on_submit():
        db.session.delete(book)
        db.session.commit()
        flash(f"Deleted {book.title}.")
    return redirect(url_for("books.index", page=request.args.get("page", 1)))
