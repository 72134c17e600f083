#pragma once
// Robust standardisation shared by the models: scale-like features go to log10 first, then every
// feature is centred on its training median and divided by its MAD (as a standard deviation).
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/result.h"

namespace uplinkd::inference {

class FeatureScaler {
 public:
  FeatureScaler() = default;
  // rows[r][i]: training feature vectors; log_scale[i]: apply log10 to feature i.
  static FeatureScaler Fit(const std::vector<std::vector<float>>& rows, std::vector<bool> log_scale);
  static Result<FeatureScaler> FromJson(const nlohmann::json& json, size_t dimension);
  nlohmann::json ToJson() const;

  size_t dimension() const { return center_.size(); }
  // z[i] = (transform(x[i]) - center[i]) / scale[i]
  void Apply(std::span<const float> x, std::span<double> z) const;

 private:
  std::vector<bool> log_scale_;
  std::vector<double> center_;
  std::vector<double> scale_;
};

// The q-quantile (0..1) of `values` by linear interpolation; `values` is reordered.
double Quantile(std::vector<double>& values, double q);

}  // namespace uplinkd::inference
