"""Models of period closings (AC3): monthly and fiscal-year totals, perpetual grand total, chained and frozen."""
