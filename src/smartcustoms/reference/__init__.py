"""Reference data: HS nomenclature, countries, currencies (shipped) and weekly exchange rates (loaded)."""
