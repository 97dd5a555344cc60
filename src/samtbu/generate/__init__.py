"""Generators: each module turns a loaded Model into one artifact, deterministically."""
