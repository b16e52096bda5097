"""Review: one concept for expert decisions on library indicators and on AI-proposed indicators.

Both follow the rules of :mod:`api.services.review.decisions` and write their audit entry in the
transaction of the decision.
"""
