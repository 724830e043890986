"""Import (and later export) declarations and their lifecycle."""
