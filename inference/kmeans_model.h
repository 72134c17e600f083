#pragma once
// An offline-trained model: k-means clusters of standardised normal feature vectors; a window's
// score is its RMS distance to the nearest centre. Handles machines with several normal regimes
// (speeds, loads) that one Gaussian baseline would blur together.
#include <memory>
#include <vector>

#include "base/result.h"
#include "inference/anomaly_model.h"
#include "inference/feature_scaler.h"

namespace uplinkd::inference {

class KMeansModel : public AnomalyModel {
 public:
  struct FitOptions {
    size_t clusters = 4;
    size_t iterations = 50;
    double quantile = 0.999;
    double margin = 1.0;  // threshold = margin * quantile of the training scores
    uint64_t seed = 1;  // training is deterministic for a given CSV and seed
  };
  static Result<std::unique_ptr<KMeansModel>> Fit(const std::vector<std::vector<float>>& rows,
                                                  std::vector<bool> log_scale, ModelInfo info,
                                                  const FitOptions& options);
  static Result<std::unique_ptr<KMeansModel>> FromParameters(ModelInfo info, const nlohmann::json& parameters);

  const ModelInfo& info() const override { return info_; }
  void Score(std::span<const float> features, ModelScore& out) override;
  nlohmann::json Parameters() const override;

 private:
  KMeansModel(ModelInfo info, FeatureScaler scaler, std::vector<std::vector<double>> centres);

  ModelInfo info_;
  FeatureScaler scaler_;
  std::vector<std::vector<double>> centres_;
  std::vector<double> z_, contributions_;
};

}  // namespace uplinkd::inference
