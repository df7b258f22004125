"""WSGI entry point: ``UPSTREAM_URL=http://inventory:9000 gunicorn wsgi:app``."""

from fanout import create_app

app = create_app()
