from datetime import datetime, timezone

from .extensions import db


def _now():
    return datetime.now(timezone.utc)


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), unique=True, nullable=False)
    books = db.relationship("Book", back_populates="author", order_by="Book.title")

    def to_dict(self):
        return {"id": self.id, "name": self.name, "books": len(self.books)}


class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    year = db.Column(db.Integer)
    read = db.Column(db.Boolean, default=False, nullable=False)
    added = db.Column(db.DateTime(timezone=True), default=_now)
    author_id = db.Column(db.Integer, db.ForeignKey("author.id"), nullable=False)
    author = db.relationship("Author", back_populates="books")

    def to_dict(self):
        return {
            "id": self.id,
            "title": self.title,
            "year": self.year,
            "read": self.read,
            "author": self.author.name,
        }


def get_or_create_author(name):
    author = db.session.execute(db.select(Author).filter_by(name=name)).scalar_one_or_none()
    if author is None:
        author = Author(name=name)
        db.session.add(author)
    return author
