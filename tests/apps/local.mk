# tests/apps: filled in by its module
