"""``python -m lattice_core.testing``: serve the fake Stripe on 127.0.0.1:12111."""

from .fake_stripe import main

main()
