"""Sub-commands of the ``distgnn`` CLI (one module each, with ``register(subparsers)``)."""
