"""A small plugin host, governed by ``contracts/app.core.yml``."""
