from flask2quart.cli import main

main()
