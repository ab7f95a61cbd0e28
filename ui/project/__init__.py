"""The coordinator's project panel (devices, invites, approval, revocation), joining a
project from an existing profile, and resolving conflicting versions of a record."""
