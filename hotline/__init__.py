"""Front door of the 1022 hotline companion: settings, CLI and app composition."""
