"""Built-in plugins, each registered through the `lattice` entry-point group.

Switch any of them off with `Client(disable_plugins=["retry"])`.
"""
