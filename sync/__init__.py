"""Sync: wire protocol, client, USB bundles, central server. Imports fieldapp; no Qt."""
