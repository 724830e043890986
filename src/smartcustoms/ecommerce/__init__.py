"""Low-value e-commerce consignments: bulk manifest intake, assessment, lanes and release."""
