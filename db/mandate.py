"""Models of SEPA Core direct debits (PA5): mandates on contacts, collections and the installments they debit."""
