# tests/fuzz: filled in by its module
