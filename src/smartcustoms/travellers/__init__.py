"""Passenger baggage declarations: allowances and tax, signed QR codes, e-gate decisions, the counter."""
