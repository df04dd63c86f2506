# tests/db: filled in by its module
