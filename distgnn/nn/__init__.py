"""``distgnn.nn``: the torch_geometric.nn 1.7 layer library."""
from . import inits
from . import functional
from .data_parallel import DataParallel
from .sequential import Sequential
from .meta import MetaLayer
from .reshape import Reshape
from .functional import bro, gini
from .conv import *  # noqa: F401,F403
from .dense import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
from .glob import *  # noqa: F401,F403
from .unpool import *  # noqa: F401,F403
from .norm import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .conv import __all__ as _conv_all
from .dense import __all__ as _dense_all
from .pool import __all__ as _pool_all
from .glob import __all__ as _glob_all
from .unpool import __all__ as _unpool_all
from .norm import __all__ as _norm_all
from .models import __all__ as _models_all

__all__ = (["inits", "functional", "Sequential", "DataParallel", "MetaLayer", "Reshape",
            "bro", "gini"] + list(_conv_all)
           + list(_dense_all) + list(_pool_all) + list(_glob_all) + list(_unpool_all)
           + list(_norm_all) + list(_models_all))
