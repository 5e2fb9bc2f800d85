"""The evidence engine's queries: measure definitions (one SQL query over one subject each) and
the one query builder that turns a measure, periods, breakdowns and filters into figures."""
