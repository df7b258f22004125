from crudapp import create_app

app = create_app()
