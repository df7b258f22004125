"""``--export-locust FILE``: the scenario as a locustfile, to run the same load from Locust.

Locust's master/workers spread load over machines, which one verify process cannot; the
exported file sends the same requests with the same weights and variables. Locust is closed
loop (each user waits for its answer) and rounds its timings, so use it for distributed load
against staging, and verify's own figures for the latency verdict. Pure: scenario in, text out.
"""

from __future__ import annotations

import keyword
import re

from flask2quart.verify.scenario import RequestTemplate, Scenario, Variable

HEADER = '''"""Load for {source}, exported by `flask2quart verify --export-locust`.

Run against a server you own, for example:

    locust -f {filename} --host https://staging.example.com

FastHttpUser keeps connections alive like verify's generator. Each user sends one request per
second at most (constant_throughput); raise the user count for more load.
"""

import json
import random
import re

from locust import FastHttpUser, constant_throughput, task

PLACEHOLDER = re.compile(r"\\{{([A-Za-z_]\\w*)(?:([+*-])(\\d+))?\\}}")


def render(template, values):
    """Replace "{{name}}" placeholders like verify does (a whole placeholder keeps its type)."""

    def evaluate(match):
        value = values[match.group(1)]
        if match.group(2) is None:
            return value
        operand = int(match.group(3))
        return {{"+": value + operand, "-": value - operand, "*": value * operand}}[match.group(2)]

    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole:
            return evaluate(whole)
        return PLACEHOLDER.sub(lambda m: str(evaluate(m)), template)
    if isinstance(template, list):
        return [render(item, values) for item in template]
    if isinstance(template, dict):
        return {{key: render(item, values) for key, item in template.items()}}
    return template


class ScenarioUser(FastHttpUser):
    wait_time = constant_throughput(1)
'''


def _identifier(name: str, used: set[str]) -> str:
    base = re.sub(r"\W+", "_", name.lower()).strip("_") or "request"
    if base[0].isdigit() or keyword.iskeyword(base):
        base = f"request_{base}"
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}_{number}", number + 1
    used.add(candidate)
    return candidate


def _draw(variable: Variable) -> str:
    if variable.choices:
        return f"random.choice({list(variable.choices)!r})"
    return f"random.randint({variable.low}, {variable.high})"


def _task(template: RequestTemplate, name: str, scale: int) -> str:
    task_weight = max(1, round(template.weight * scale))
    lines = [f"    @task({task_weight})", f"    def {name}(self):"]
    values = ", ".join(f"{key!r}: {_draw(v)}" for key, v in template.variables.items())
    lines.append(f"        values = {{{values}}}")
    lines.append(f"        path = render({template.path!r}, values)")
    lines.append(
        "        query = "
        f"{{k: str(render(v, values)) for k, v in {dict(template.query)!r}.items()}}"
    )
    lines.append(
        "        headers = "
        f"{{k: str(render(v, values)) for k, v in {dict(template.headers)!r}.items()}}"
    )
    call = [
        f"{template.method!r}",
        "path",
        "params=query or None",
        "headers=headers",
        f"name={template.name!r}",
    ]
    if template.json is not None:
        call.append(f"data=json.dumps(render({template.json!r}, values))")
        lines.append('        headers.setdefault("Content-Type", "application/json")')
    elif template.form is not None:
        call.append(
            f"data={{k: str(render(v, values)) for k, v in {dict(template.form)!r}.items()}}"
        )
    elif template.body is not None:
        call.append(f"data=str(render({template.body!r}, values))")
    lines.append(f"        self.client.request({', '.join(call)})")
    return "\n".join(lines)


def to_locustfile(scenario: Scenario, filename: str = "locustfile.py") -> str:
    used: set[str] = set()
    weighted = [template for template in scenario.requests if template.weight > 0]
    # Locust weights are integers: scale fractional weights up so their proportions hold.
    scale = 1 if all(t.weight == int(t.weight) for t in weighted) else 100
    tasks = [_task(template, _identifier(template.name, used), scale) for template in weighted]
    text = HEADER.format(source=scenario.source, filename=filename)
    return text + "\n" + "\n\n".join(tasks) + "\n"
