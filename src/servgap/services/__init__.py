"""Use cases: load from the store, call servgap.core, save to the store."""
