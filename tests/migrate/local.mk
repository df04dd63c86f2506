# tests/migrate: filled in by its module
