# tests/templates: filled in by its module
