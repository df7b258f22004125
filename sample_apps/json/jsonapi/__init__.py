"""A small JSON API in the style of the TechEmpower "JSON serialization" and "plaintext" tests."""

from flask import Flask, jsonify, request


def create_app():
    app = Flask(__name__)
    app.json.sort_keys = False

    @app.get("/json")
    def json_message():
        return jsonify(message="Hello, World!")

    @app.get("/plaintext")
    def plaintext():
        return "Hello, World!", 200, {"Content-Type": "text/plain"}

    @app.get("/greet/<name>")
    def greet(name):
        excited = request.args.get("excited", "0") == "1"
        return jsonify(greeting=f"Hello, {name}{'!' if excited else '.'}", name=name)

    @app.post("/echo")
    def echo():
        payload = request.get_json(silent=True)
        if payload is None:
            return jsonify(error="expected a JSON body"), 400
        return jsonify(received=payload, keys=sorted(payload) if isinstance(payload, dict) else [])

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    return app
