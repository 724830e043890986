"""Watch lists and name screening: official-format parsers, versions, normalisation, matcher, service, API, CLI."""
