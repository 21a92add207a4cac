"""ForgeSyte's `app.plugins` package (only `base` is provided)."""
