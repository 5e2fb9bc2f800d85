"""Attachments: files on records (consent forms, ID scans, photos, meeting photos)."""
