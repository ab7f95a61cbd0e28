"""Cryptographic building blocks of the core (all from the `cryptography` package)."""
