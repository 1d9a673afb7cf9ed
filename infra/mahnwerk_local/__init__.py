"""The embedded local stack (moto), built from template.yaml, and the ``mahnwerk`` CLI."""
