from governance.cli import entry

entry()
