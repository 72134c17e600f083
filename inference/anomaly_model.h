#pragma once
// What every anomaly model offers the pipeline: a score per feature vector (higher is more
// abnormal), the threshold it was calibrated with, and which features drove the score.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace uplinkd::inference {

// The windowing and feature layout a model was trained on; a stream must match it exactly.
struct FeatureSpec {
  uint32_t window = 1024;
  uint32_t hop = 512;
  uint32_t band_count = 8;
  uint16_t channels = 1;
  uint32_t sample_rate_hz = 0;

  bool operator==(const FeatureSpec&) const = default;
};

struct ModelInfo {
  std::string kind;     // "baseline", "kmeans"
  std::string version;  // free text chosen by whoever trained it, carried into every alert
  FeatureSpec spec;
  std::vector<std::string> feature_names;
  double threshold = 0.0;  // scores above it count as abnormal
  double quantile = 0.0;   // the quantile of the training scores the threshold was set at
};

struct FeatureContribution {
  uint32_t index = 0;
  float share = 0.0f;  // this feature's part of the score, 0..1 (they sum to about 1)
};

inline constexpr size_t kTopFeatures = 3;

struct ModelScore {
  double score = 0.0;
  std::array<FeatureContribution, kTopFeatures> top{};
  size_t top_count = 0;
};

class AnomalyModel {
 public:
  virtual ~AnomalyModel() = default;
  virtual const ModelInfo& info() const = 0;
  // `features` has info().feature_names.size() values. Must not allocate (it runs per window).
  virtual void Score(std::span<const float> features, ModelScore& out) = 0;
  // The model's parameters, as stored in the model file's "parameters" member.
  virtual nlohmann::json Parameters() const = 0;
};

}  // namespace uplinkd::inference
