"""Models of dunning (PA6): the reminders sent per installment and level, and the dated late-penalty rates."""
