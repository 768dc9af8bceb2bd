"""The application: configuration, database, dialogue core, channels, web and the `wufei` command."""
