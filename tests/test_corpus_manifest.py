"""The corpus manifest: the real one validates, and each malformed field is named."""

from __future__ import annotations

import pytest

from corpus.manifest import ManifestError, load_manifest, parse_manifest, select_apps

VALID = """
[[app]]
name = "demo"
repository = "owner/demo"
commit = "0123456789abcdef0123456789abcdef01234567"
test = "tests"
baseline_passed = 3
"""


def test_the_shipped_manifest_is_valid() -> None:
    apps = load_manifest()
    assert apps, "corpus/manifest.toml lists no app"
    assert all(app.baseline_passed > 0 for app in apps), "record only apps whose baseline ran"


def test_defaults_fill_optional_fields() -> None:
    (app,) = parse_manifest(VALID)
    assert app.migrate == (".",)
    assert app.install == ()
    assert app.mirror_name == "owner+demo"


@pytest.mark.parametrize(
    ("replace", "by", "complaint"),
    [
        pytest.param('commit = "0123', 'commit = "XYZ3', "commit", id="commit-not-hex"),
        pytest.param('"owner/demo"', '"demo"', "repository", id="repository-without-owner"),
        pytest.param('name = "demo"', 'name = "Demo App"', "name", id="name-with-space"),
        pytest.param("baseline_passed = 3", "baseline_passed = -1", "baseline", id="negative"),
        pytest.param('test = "tests"', 'test = "tests"\nsubfolder = "../x"', "..", id="escape"),
        pytest.param('test = "tests"', 'test = "tests"\ninstal = []', "unknown", id="typo"),
        pytest.param('test = "tests"', 'test = "tests"\ninstall = "pip"', "list", id="not-list"),
        pytest.param('test = "tests"\n', "", "`test` is required", id="missing-test"),
    ],
)
def test_malformed_entries_are_named(replace: str, by: str, complaint: str) -> None:
    with pytest.raises(ManifestError, match=r"[dD]emo") as raised:
        parse_manifest(VALID.replace(replace, by))
    assert complaint in str(raised.value)


def test_names_must_be_unique() -> None:
    with pytest.raises(ManifestError, match="used twice"):
        parse_manifest(VALID + VALID)


def test_unknown_app_selection_is_an_error() -> None:
    apps = parse_manifest(VALID)
    assert select_apps(apps, []) == apps
    with pytest.raises(ManifestError, match="nope"):
        select_apps(apps, ["nope"])
