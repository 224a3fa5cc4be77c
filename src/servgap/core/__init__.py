"""Pure computation: numpy / scipy / pandas in, frozen dataclasses out.

Nothing here imports storage, web, CLI or settings code (an import-linter
contract enforces it).
"""
