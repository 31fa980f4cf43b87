"""Renderings of a GradeReport. Each format is a module with a `render` function."""
