"""The domain model: coded vocabularies, default unit costs and the project tables."""
