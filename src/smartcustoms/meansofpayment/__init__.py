"""Means-of-payment declarations (FATF): cash, cheques, securities, promissory notes, gold bullion at the border."""
