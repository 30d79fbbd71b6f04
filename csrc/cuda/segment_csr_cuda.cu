// CUDA kernel of distgnn::segment_csr: one thread block per (segment, chunk of
// up to 256 features); each thread reduces one feature over the segment's rows,
// so a warp reads consecutive features of a row (coalesced) and no atomics are
// needed.
#include <ATen/Dispatch.h>
#include <ATen/NumericUtils.h>
#include <ATen/OpMathType.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include <algorithm>
#include <limits>

#include "segment_csr.h"

namespace distgnn {
namespace {

constexpr int kMaxThreads = 256;

template <typename scalar_t, Reduce R>
__global__ void segment_csr_kernel(const scalar_t* __restrict__ src,
                                   const int64_t* __restrict__ ptr,
                                   scalar_t* __restrict__ out, int64_t* __restrict__ arg,
                                   int64_t num_rows, int64_t num_features) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t i = blockIdx.x;
  const int64_t f = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  if (f >= num_features) return;
  const int64_t lo = ptr[i], hi = ptr[i + 1];
  const int64_t o = i * num_features + f;
  if constexpr (R == Reduce::Sum || R == Reduce::Mean) {
    acc_t acc = acc_t(0);
    for (int64_t e = lo; e < hi; ++e) acc += static_cast<acc_t>(src[e * num_features + f]);
    if (R == Reduce::Mean && hi > lo) acc /= static_cast<acc_t>(hi - lo);
    out[o] = static_cast<scalar_t>(acc);
  } else {
    if (lo == hi) {
      out[o] = scalar_t(0);
      arg[o] = num_rows;
      return;
    }
    acc_t best = static_cast<acc_t>(src[lo * num_features + f]);
    int64_t best_row = lo;
    for (int64_t e = lo + 1; e < hi; ++e) {
      const acc_t v = static_cast<acc_t>(src[e * num_features + f]);
      const bool better = (R == Reduce::Max) ? v > best : v < best;
      if (better || (at::_isnan(v) && !at::_isnan(best))) {
        best = v;
        best_row = e;
      }
    }
    out[o] = static_cast<scalar_t>(best);
    arg[o] = best_row;
  }
}

template <typename scalar_t, Reduce R>
void launch(const SegmentArgs& a, at::Tensor& out, int64_t* arg) {
  const int64_t F = a.num_features;
  const int threads = static_cast<int>(std::min<int64_t>(kMaxThreads, (F + 31) / 32 * 32));
  const int64_t chunks = (F + threads - 1) / threads;
  TORCH_CHECK(a.num_segments <= std::numeric_limits<int32_t>::max(),
              "segment_csr: at most 2^31 - 1 segments on CUDA, got ", a.num_segments);
  TORCH_CHECK(chunks <= 65535, "segment_csr: at most ", 65535 * kMaxThreads,
              " features per row on CUDA, got ", F);
  const dim3 grid(static_cast<unsigned>(a.num_segments), static_cast<unsigned>(chunks));
  segment_csr_kernel<scalar_t, R><<<grid, threads, 0, c10::cuda::getCurrentCUDAStream()>>>(
      a.src.const_data_ptr<scalar_t>(), a.ptr.const_data_ptr<int64_t>(),
      out.mutable_data_ptr<scalar_t>(), arg, a.num_rows, F);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

std::tuple<at::Tensor, std::optional<at::Tensor>> segment_csr_cuda(
    const at::Tensor& src, const at::Tensor& ptr, c10::string_view reduce) {
  const c10::cuda::CUDAGuard guard(src.device());
  const SegmentArgs a = check_segment_args(src, ptr, std::string(reduce));
  auto outputs = empty_segment_outputs(a);
  at::Tensor out = std::get<0>(outputs);
  std::optional<at::Tensor> arg = std::get<1>(outputs);
  if (out.numel() == 0) return std::make_tuple(out, arg);
  int64_t* arg_data = arg ? arg->mutable_data_ptr<int64_t>() : nullptr;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, a.src.scalar_type(),
                                  "segment_csr_cuda", [&] {
    switch (a.reduce) {
      case Reduce::Sum: launch<scalar_t, Reduce::Sum>(a, out, arg_data); break;
      case Reduce::Mean: launch<scalar_t, Reduce::Mean>(a, out, arg_data); break;
      case Reduce::Max: launch<scalar_t, Reduce::Max>(a, out, arg_data); break;
      case Reduce::Min: launch<scalar_t, Reduce::Min>(a, out, arg_data); break;
    }
  });
  return std::make_tuple(out, arg);
}

}  // namespace
}  // namespace distgnn

TORCH_LIBRARY_IMPL(distgnn, CUDA, m) {
  m.impl("segment_csr", &distgnn::segment_csr_cuda);
}
