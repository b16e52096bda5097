"""Review: one concept for expert decisions on library indicators and on AI-proposed indicators.

Both follow the rules of :mod:`api.services.review.decisions` and write their audit entry in the
transaction of the decision, covering the rows it stored (the decision, the indicator's state or the
proposal), so that ``audit verify`` names one changed in the database since.
"""
