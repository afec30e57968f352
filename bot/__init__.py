"""Runtime shell: CLI, configuration, composition root and chat channels."""
