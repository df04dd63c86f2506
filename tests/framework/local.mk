# tests/framework: filled in by its module
