"""Evidence (outcome 3): indicators as data, their values, dashboards and reports."""
