"""A CPU-bound service: every request is pure-Python computation, no I/O."""

from flask import Flask, abort, jsonify, request

from cpuapp.maths import count_primes, mandelbrot_rows, word_frequencies

MAX_LIMIT = 200_000


def create_app():
    app = Flask(__name__)

    @app.get("/primes")
    def primes():
        limit = request.args.get("limit", 20_000, type=int)
        if not 2 <= limit <= MAX_LIMIT:
            abort(400, description=f"limit must be between 2 and {MAX_LIMIT}")
        return jsonify(limit=limit, count=count_primes(limit))

    @app.get("/mandelbrot")
    def mandelbrot():
        size = request.args.get("size", 24, type=int)
        if not 4 <= size <= 96:
            abort(400, description="size must be between 4 and 96")
        return jsonify(size=size, rows=mandelbrot_rows(size))

    @app.post("/words")
    def words():
        text = request.get_data(as_text=True)
        top = word_frequencies(text, top=5)
        return jsonify(top=[{"word": word, "count": count} for word, count in top])

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    return app
