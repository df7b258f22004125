from cpuapp import create_app

app = create_app()
