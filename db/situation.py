"""Models of progress invoicing (issue 20): the contract taken from an accepted quote, its situations and holdback."""
