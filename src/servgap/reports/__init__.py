"""Charts and documents built from core/service result objects."""
