// Shared by the per-device kernels of distgnn::segment_csr: input checks and
// output allocation. Device-independent (plain ATen calls).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace distgnn {

enum class Reduce { Sum, Mean, Max, Min };

inline Reduce parse_reduce(const std::string& reduce) {
  if (reduce == "sum") return Reduce::Sum;
  if (reduce == "mean") return Reduce::Mean;
  if (reduce == "max") return Reduce::Max;
  if (reduce == "min") return Reduce::Min;
  TORCH_CHECK(false, "segment_csr: reduce must be one of sum, mean, max, min; got '",
              reduce, "'");
}

// Validated inputs of one segment_csr call.
struct SegmentArgs {
  at::Tensor src;   // contiguous, viewed as [E, F]
  at::Tensor ptr;   // contiguous int64 [N + 1]
  int64_t num_rows;      // E
  int64_t num_segments;  // N
  int64_t num_features;  // F (product of src.shape[1:])
  Reduce reduce;
};

// Checks shapes, dtypes, devices and that ptr is a non-decreasing pointer into
// [0, E]. One host synchronisation on accelerators (a single .item()).
inline SegmentArgs check_segment_args(const at::Tensor& src, const at::Tensor& ptr,
                                      const std::string& reduce) {
  SegmentArgs a;
  a.reduce = parse_reduce(reduce);
  TORCH_CHECK(src.dim() >= 1, "segment_csr: src must have shape [E, *], got a 0-d tensor");
  TORCH_CHECK(at::isFloatingType(src.scalar_type()),
              "segment_csr: src must be floating point, got ", src.scalar_type());
  TORCH_CHECK(ptr.dim() == 1, "segment_csr: ptr must be 1-D with shape [N + 1], got ",
              ptr.dim(), "-D with shape ", ptr.sizes());
  TORCH_CHECK(ptr.numel() >= 1, "segment_csr: ptr must hold at least one entry (N + 1 >= 1), "
              "got an empty tensor");
  TORCH_CHECK(ptr.scalar_type() == at::kLong || ptr.scalar_type() == at::kInt,
              "segment_csr: ptr must be int64 or int32, got ", ptr.scalar_type());
  TORCH_CHECK(ptr.device() == src.device(), "segment_csr: ptr must be on src's device (",
              src.device(), "), got ", ptr.device());

  a.src = src.contiguous();
  a.ptr = ptr.to(at::kLong).contiguous();
  a.num_rows = src.size(0);
  a.num_segments = ptr.numel() - 1;
  a.num_features = 1;
  for (int64_t d = 1; d < src.dim(); ++d) a.num_features *= src.size(d);

  const at::Tensor first = a.ptr.narrow(0, 0, 1);
  const at::Tensor last = a.ptr.narrow(0, a.num_segments, 1);
  at::Tensor bad = (first < 0).logical_or(last > a.num_rows);
  if (a.num_segments > 0) bad = bad.logical_or((a.ptr.diff() < 0).any());
  if (bad.any().item<bool>()) {
    const int64_t lo = first.item<int64_t>();
    const int64_t hi = last.item<int64_t>();
    TORCH_CHECK(lo >= 0 && hi <= a.num_rows, "segment_csr: ptr must lie in [0, E=",
                a.num_rows, "], got ptr[0]=", lo, " and ptr[-1]=", hi);
    const int64_t pos = (a.ptr.diff() < 0).to(at::kLong).argmax().item<int64_t>();
    TORCH_CHECK(false, "segment_csr: ptr must be non-decreasing, got ptr[", pos, "]=",
                a.ptr[pos].item<int64_t>(), " > ptr[", pos + 1, "]=",
                a.ptr[pos + 1].item<int64_t>());
  }
  return a;
}

// Output [N, *src.shape[1:]] and, for max/min, the int64 argument of the same shape.
inline std::tuple<at::Tensor, std::optional<at::Tensor>> empty_segment_outputs(
    const SegmentArgs& a) {
  std::vector<int64_t> shape = a.src.sizes().vec();
  shape[0] = a.num_segments;
  at::Tensor out = at::empty(shape, a.src.options());
  std::optional<at::Tensor> arg;
  if (a.reduce == Reduce::Max || a.reduce == Reduce::Min) {
    arg = at::empty(shape, a.src.options().dtype(at::kLong));
  }
  return std::make_tuple(out, arg);
}

}  // namespace distgnn
