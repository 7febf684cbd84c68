"""Worked examples of codetune's extension points (importable as ``examples.<module>``)."""
