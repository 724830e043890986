"""Cashless payment of duty and tax: payment orders, signed agent callbacks, refunds, reconciliation."""
