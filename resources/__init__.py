"""Data files shipped with Hearth (imported as `hearth_resources`); see desktop.paths.resource_path."""
