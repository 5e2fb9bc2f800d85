"""Victim identification referrals (intake leads from survivor leaders) and community safety
reports (red flags, suspected recruitment, allegations)."""
