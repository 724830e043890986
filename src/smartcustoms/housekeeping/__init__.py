"""Work the server does on its own, on a clock: each job at most once per slot across every server process."""
