"""Models of the accounting settings (SE5): accounts per VAT rate and kind, per payment method, journals."""
