"""Officers, traders, API keys and roles."""
