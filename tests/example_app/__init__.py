"""A tiny stand-in for a user's web app, used by the "Testing your integration" docs."""
