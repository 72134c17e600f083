#pragma once
// The on-device baseline: robust standardisation, then a Mahalanobis distance under the
// (shrunk) correlation of normal operation. Needs no labels: it is fitted on whatever the machine
// did during its learning period, and its threshold is a quantile of those windows' scores.
#include <memory>
#include <vector>

#include "base/result.h"
#include "inference/anomaly_model.h"
#include "inference/feature_scaler.h"

namespace uplinkd::inference {

class BaselineModel : public AnomalyModel {
 public:
  struct FitOptions {
    double quantile = 0.999;
    double shrinkage = 0.1;  // weight of the diagonal in the covariance, for few or collinear rows
    // threshold = margin * quantile: a learning period rarely sees all of normal operation.
    double margin = 1.0;
  };
  // `info` carries version, spec and feature names; kind, threshold and quantile are filled here.
  static Result<std::unique_ptr<BaselineModel>> Fit(const std::vector<std::vector<float>>& rows,
                                                    std::vector<bool> log_scale, ModelInfo info,
                                                    const FitOptions& options);
  static Result<std::unique_ptr<BaselineModel>> FromParameters(ModelInfo info, const nlohmann::json& parameters);

  const ModelInfo& info() const override { return info_; }
  // score = sqrt(d^2 / dimension): about 1 for a typical normal window whatever the dimension.
  void Score(std::span<const float> features, ModelScore& out) override;
  nlohmann::json Parameters() const override;

 private:
  BaselineModel(ModelInfo info, FeatureScaler scaler, std::vector<double> cholesky);
  double SquaredDistance(std::span<const float> features);

  ModelInfo info_;
  FeatureScaler scaler_;
  std::vector<double> cholesky_;  // lower-triangular L (row-major, n x n) with L L^T = covariance
  // Scratch for Score(), sized once.
  std::vector<double> z_, u_, w_, contributions_;
};

}  // namespace uplinkd::inference
