"""Cartoon face rendering from the 25 REACT attributes, and comparison GIFs."""

from .face import DEFAULT_SIZE, RENDERER_VERSION, clean_attributes, render_face, render_faces
from .gif import render_comparison_gif

__all__ = ["DEFAULT_SIZE", "RENDERER_VERSION", "clean_attributes", "render_comparison_gif",
           "render_face", "render_faces"]
