from jsonapi import create_app

app = create_app()
