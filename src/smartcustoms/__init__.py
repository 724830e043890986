"""smartcustoms: customs clearance and risk management for Japan Customs' SMART Customs action plan."""

__version__ = "0.1.0"
