"""Models (Node2Vec, GAE, JumpingKnowledge, ...)."""

from .jumping_knowledge import JumpingKnowledge
from .node2vec import Node2Vec

__all__ = [
    "JumpingKnowledge",
    "Node2Vec",
]
