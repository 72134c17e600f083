#include "inference/top_contributions.h"

namespace uplinkd::inference {

void FillTopContributions(std::span<const double> contributions, double total, ModelScore& out) {
  out.top_count = 0;
  // Insertion into a fixed array of kTopFeatures: no allocation, O(n * 3).
  for (size_t i = 0; i < contributions.size(); ++i) {
    double value = contributions[i];
    size_t position = out.top_count;
    while (position > 0 && contributions[out.top[position - 1].index] < value) --position;
    if (position >= kTopFeatures) continue;
    size_t last = std::min(out.top_count, kTopFeatures - 1);
    for (size_t j = last; j > position; --j) out.top[j] = out.top[j - 1];
    out.top[position].index = static_cast<uint32_t>(i);
    if (out.top_count < kTopFeatures) ++out.top_count;
  }
  for (size_t j = 0; j < out.top_count; ++j) {
    double share = total > 0.0 ? contributions[out.top[j].index] / total : 0.0;
    out.top[j].share = static_cast<float>(share);
  }
}

}  // namespace uplinkd::inference
