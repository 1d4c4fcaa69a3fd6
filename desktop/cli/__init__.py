"""The `hearth` command line: one module per subcommand, registered in main.COMMANDS."""
