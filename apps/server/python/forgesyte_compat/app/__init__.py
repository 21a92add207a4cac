"""Stand-ins for the ForgeSyte server modules its plugins import (`app.plugins.base`, `app.models`), so ForgeSyte
plugins load in Bastion without edits. Written from the public contract; only what plugins use."""
