"""The application on top of everything: settings from the environment, the wiring of one
engine, the processes (`druppel run`, `worker`, `web`), the command line, the demo, and the
channels' set-up from settings. Nothing below imports it."""
