"""The worker side of a Python plugin: frames on fd 3, plugin loading, calls, result encoding (stdlib only)."""
