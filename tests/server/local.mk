# tests/server: filled in by its module
