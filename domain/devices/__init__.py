"""Devices: the phones and tablets people run the app on, bound to their sign-in sessions."""
