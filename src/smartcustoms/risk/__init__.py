"""Risk: selectivity profiles and lane selection (models and selection strategies join here later)."""
