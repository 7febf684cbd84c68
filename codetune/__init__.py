"""codetune: train code models whose reward comes from running the code."""
__version__ = "0.1.0"
