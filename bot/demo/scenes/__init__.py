"""The demo's scenes, one module an area."""
