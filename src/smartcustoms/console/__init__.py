"""Officer web console: server-rendered pages, served with their own assets."""
