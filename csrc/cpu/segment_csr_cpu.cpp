// CPU kernel of distgnn::segment_csr: segments are split across threads with
// at::parallel_for; each thread walks the rows of its segments in order, so a
// segment's result does not depend on the number of threads.
#include <ATen/Dispatch.h>
#include <ATen/NumericUtils.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "segment_csr.h"

namespace distgnn {
namespace {

// Segments per parallel task: about GRAIN_SIZE element visits each.
int64_t grain_size(const SegmentArgs& a) {
  const int64_t per_segment =
      std::max<int64_t>(1, a.num_features * (a.num_rows / std::max<int64_t>(1, a.num_segments)));
  return std::max<int64_t>(1, at::internal::GRAIN_SIZE / per_segment);
}

template <typename scalar_t>
void sum_mean_kernel(const SegmentArgs& a, at::Tensor& out, bool mean) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* src = a.src.const_data_ptr<scalar_t>();
  const int64_t* ptr = a.ptr.const_data_ptr<int64_t>();
  scalar_t* dst = out.mutable_data_ptr<scalar_t>();
  const int64_t F = a.num_features;
  at::parallel_for(0, a.num_segments, grain_size(a), [&](int64_t begin, int64_t end) {
    std::vector<acc_t> acc(F);
    for (int64_t i = begin; i < end; ++i) {
      const int64_t lo = ptr[i], hi = ptr[i + 1];
      std::fill(acc.begin(), acc.end(), acc_t(0));
      for (int64_t e = lo; e < hi; ++e) {
        const scalar_t* row = src + e * F;
        for (int64_t f = 0; f < F; ++f) acc[f] += static_cast<acc_t>(row[f]);
      }
      if (mean && hi > lo) {
        const acc_t count = static_cast<acc_t>(hi - lo);
        for (int64_t f = 0; f < F; ++f) acc[f] /= count;
      }
      scalar_t* o = dst + i * F;
      for (int64_t f = 0; f < F; ++f) o[f] = static_cast<scalar_t>(acc[f]);
    }
  });
}

// max (IsMax) or min with the row that was picked; NaN wins, first row on ties.
template <typename scalar_t, bool IsMax>
void arg_kernel(const SegmentArgs& a, at::Tensor& out, at::Tensor& arg) {
  const scalar_t* src = a.src.const_data_ptr<scalar_t>();
  const int64_t* ptr = a.ptr.const_data_ptr<int64_t>();
  scalar_t* dst = out.mutable_data_ptr<scalar_t>();
  int64_t* idx = arg.mutable_data_ptr<int64_t>();
  const int64_t F = a.num_features;
  const int64_t E = a.num_rows;
  at::parallel_for(0, a.num_segments, grain_size(a), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t lo = ptr[i], hi = ptr[i + 1];
      scalar_t* o = dst + i * F;
      int64_t* k = idx + i * F;
      if (lo == hi) {
        std::fill(o, o + F, scalar_t(0));
        std::fill(k, k + F, E);
        continue;
      }
      std::copy(src + lo * F, src + (lo + 1) * F, o);
      std::fill(k, k + F, lo);
      for (int64_t e = lo + 1; e < hi; ++e) {
        const scalar_t* row = src + e * F;
        for (int64_t f = 0; f < F; ++f) {
          const scalar_t v = row[f];
          const scalar_t cur = o[f];
          const bool better = (IsMax ? v > cur : v < cur) || (at::_isnan(v) && !at::_isnan(cur));
          o[f] = better ? v : cur;  // branch-free: lets the compiler vectorise
          k[f] = better ? e : k[f];
        }
      }
    }
  });
}

std::tuple<at::Tensor, std::optional<at::Tensor>> segment_csr_cpu(
    const at::Tensor& src, const at::Tensor& ptr, c10::string_view reduce) {
  const SegmentArgs a = check_segment_args(src, ptr, std::string(reduce));
  auto outputs = empty_segment_outputs(a);
  at::Tensor out = std::get<0>(outputs);
  std::optional<at::Tensor> arg = std::get<1>(outputs);
  if (out.numel() == 0) return std::make_tuple(out, arg);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, a.src.scalar_type(),
                                  "segment_csr_cpu", [&] {
    switch (a.reduce) {
      case Reduce::Sum: sum_mean_kernel<scalar_t>(a, out, false); break;
      case Reduce::Mean: sum_mean_kernel<scalar_t>(a, out, true); break;
      case Reduce::Max: arg_kernel<scalar_t, true>(a, out, *arg); break;
      case Reduce::Min: arg_kernel<scalar_t, false>(a, out, *arg); break;
    }
  });
  return std::make_tuple(out, arg);
}

}  // namespace
}  // namespace distgnn

TORCH_LIBRARY_IMPL(distgnn, CPU, m) {
  m.impl("segment_csr", &distgnn::segment_csr_cpu);
}
