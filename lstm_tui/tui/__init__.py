"""The Textual front end: screens, widgets and workers over the headless core."""
