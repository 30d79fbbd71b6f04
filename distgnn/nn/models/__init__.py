"""Models (Node2Vec, GAE, JumpingKnowledge, ...)."""

from .jumping_knowledge import JumpingKnowledge
from .node2vec import Node2Vec
from .schnet import SchNet
from .dimenet import DimeNet
from .attentive_fp import AttentiveFP
from .re_net import RENet
from .tgn import TGNMemory
from .inner_product_decoder import InnerProductDecoder
from .gae import GAE
from .vgae import VGAE
from .arga import ARGA
from .argva import ARGVA
from .deep_graph_infomax import DeepGraphInfomax
from .gnn_explainer import GNNExplainer
from .label_prop import LabelPropagation
from .correct_and_smooth import CorrectAndSmooth
from .deep_gcn import DeepGCNLayer
from .graph_unet import GraphUNet
from .signed_gcn import SignedGCN
from .metapath2vec import MetaPath2Vec

__all__ = [
    "JumpingKnowledge",
    "Node2Vec",
    "SchNet",
    "DimeNet",
    "AttentiveFP",
    "RENet",
    "TGNMemory",
    "InnerProductDecoder",
    "GAE",
    "VGAE",
    "ARGA",
    "ARGVA",
    "DeepGraphInfomax",
    "GNNExplainer",
    "LabelPropagation",
    "CorrectAndSmooth",
    "DeepGCNLayer",
    "GraphUNet",
    "SignedGCN",
    "MetaPath2Vec",
]
