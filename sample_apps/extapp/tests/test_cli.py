from readinglist.extensions import db


def test_init_db_command(app):
    with app.app_context():
        db.drop_all()
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert "Initialized the database." in result.output
    with app.app_context():
        assert sorted(db.metadata.tables) == ["author", "book"]
