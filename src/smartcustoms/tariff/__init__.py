"""Tariff schedule and the pure duty and consumption-tax assessment."""
