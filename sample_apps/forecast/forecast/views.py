from flask import Blueprint, jsonify, request

from . import weather

bp = Blueprint("forecast", __name__)


@bp.get("/weather/<city>")
def current(city):
    return jsonify(weather.current_conditions(city))


@bp.post("/reports")
def report():
    report_id = weather.submit_report(request.get_json())
    return jsonify(id=report_id), 201


@bp.get("/alerts/<region>")
def alerts(region):
    return jsonify(region=region, alerts=weather.alerts(region))
