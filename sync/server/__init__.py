"""The central sync server: stores ciphertext and routes it; holds no project key."""
