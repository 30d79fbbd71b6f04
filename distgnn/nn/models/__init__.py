"""Models (Node2Vec, GAE, JumpingKnowledge, ...)."""

__all__ = []
