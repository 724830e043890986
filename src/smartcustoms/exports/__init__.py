"""Export declarations: export-control goods checks, screening of parties, hit resolution."""
