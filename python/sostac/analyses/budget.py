"""The Control stage's budget analysis (placeholder for the budget-control work)."""
