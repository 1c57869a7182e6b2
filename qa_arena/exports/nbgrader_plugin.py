"""The exporter's former path, kept because instructors' commands name it: see autograde_plugins.export."""

from autograde_plugins.export import QAArenaExportPlugin

__all__ = ["QAArenaExportPlugin"]
