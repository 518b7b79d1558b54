"""The hub: settings, errors, app assembly, CLI and request pipeline."""

__version__ = "0.1.0"
