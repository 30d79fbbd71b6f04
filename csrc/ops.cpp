// Operator declarations of the distgnn native library: every op is declared
// here exactly once; each device registers its kernel in csrc/<device>/.
#include <torch/library.h>

TORCH_LIBRARY(distgnn, m) {
  // out[i] = reduce(src[ptr[i]:ptr[i+1]]) along dim 0; empty segments give 0.
  // The second output holds, for max/min, the row of src that was picked
  // (src.size(0) for empty segments) and is None for sum/mean.
  m.def("segment_csr(Tensor src, Tensor ptr, str reduce) -> (Tensor, Tensor?)");
}
