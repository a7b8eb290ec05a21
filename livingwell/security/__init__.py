"""Signing in safely: the staff second factor, lockout, session limits and password pages.

Part of ``livingwell`` (the lowest app): it imports nothing above it.
"""
