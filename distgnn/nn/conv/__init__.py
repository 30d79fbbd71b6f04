"""Convolutional layers: one per file, all built on :class:`MessagePassing`.

Add one import line per layer, keeping the list alphabetical within its block.
"""
from .message_passing import MessagePassing
from .agnn_conv import AGNNConv
from .appnp import APPNP
from .arma_conv import ARMAConv
from .cg_conv import CGConv
from .cheb_conv import ChebConv
from .cluster_gcn_conv import ClusterGCNConv
from .dna_conv import DNAConv
from .edge_conv import DynamicEdgeConv, EdgeConv
from .eg_conv import EGConv
from .fa_conv import FAConv
from .fast_rgcn_conv import FastRGCNConv
from .feast_conv import FeaStConv
from .film_conv import FiLMConv
from .gat_conv import GATConv
from .gated_graph_conv import GatedGraphConv
from .gatv2_conv import GATv2Conv
from .gcn2_conv import GCN2Conv
from .gcn_conv import GCNConv
from .gen_conv import GENConv
from .gin_conv import GINConv
from .gine_conv import GINEConv
from .gmm_conv import GMMConv
from .graph_conv import GraphConv
from .gravnet_conv import GravNetConv
from .hypergraph_conv import HypergraphConv
from .le_conv import LEConv
from .mf_conv import MFConv
from .nn_conv import ECConv, NNConv
from .pan_conv import PANConv
from .pna_conv import PNAConv
from .point_conv import PointConv
from .ppf_conv import PPFConv
from .res_gated_graph_conv import ResGatedGraphConv
from .rgcn_conv import RGCNConv
from .sage_conv import SAGEConv
from .sg_conv import SGConv
from .signed_conv import SignedConv
from .spline_conv import SplineConv
from .super_gat_conv import SuperGATConv
from .tag_conv import TAGConv
from .transformer_conv import TransformerConv
from .wl_conv import WLConv
from .x_conv import XConv

__all__ = [
    "MessagePassing",
    "AGNNConv",
    "APPNP",
    "ARMAConv",
    "CGConv",
    "ChebConv",
    "ClusterGCNConv",
    "DNAConv",
    "DynamicEdgeConv",
    "ECConv",
    "EdgeConv",
    "EGConv",
    "FAConv",
    "FastRGCNConv",
    "FeaStConv",
    "FiLMConv",
    "GATConv",
    "GatedGraphConv",
    "GATv2Conv",
    "GCN2Conv",
    "GCNConv",
    "GENConv",
    "GINConv",
    "GINEConv",
    "GMMConv",
    "GraphConv",
    "GravNetConv",
    "HypergraphConv",
    "LEConv",
    "MFConv",
    "NNConv",
    "PANConv",
    "PNAConv",
    "PointConv",
    "PPFConv",
    "ResGatedGraphConv",
    "RGCNConv",
    "SAGEConv",
    "SGConv",
    "SignedConv",
    "SplineConv",
    "SuperGATConv",
    "TAGConv",
    "TransformerConv",
    "WLConv",
    "XConv",
]
