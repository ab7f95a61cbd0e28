"""The encrypted record store (SQLCipher) and its migrations."""
