"""Research: de-identified, k-anonymous extracts of a study's survivors (service.py), the
anonymiser (anonymity.py), their files (formats.py) and the HTCDS layout (htcds.py)."""
