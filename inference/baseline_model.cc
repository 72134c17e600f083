#include "inference/baseline_model.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "inference/top_contributions.h"

namespace uplinkd::inference {
namespace {

// Standardised values beyond this are clipped while fitting so that a few wild training windows
// cannot inflate the covariance.
constexpr double kWinsorLimit = 5.0;

// In-place Cholesky of a symmetric positive-definite n x n matrix; false when it is not.
bool Cholesky(std::vector<double>& a, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    double diagonal = a[j * n + j];
    for (size_t k = 0; k < j; ++k) diagonal -= a[j * n + k] * a[j * n + k];
    if (!(diagonal > 0.0)) return false;
    double root = std::sqrt(diagonal);
    a[j * n + j] = root;
    for (size_t i = j + 1; i < n; ++i) {
      double value = a[i * n + j];
      for (size_t k = 0; k < j; ++k) value -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = value / root;
    }
    for (size_t k = j + 1; k < n; ++k) a[j * n + k] = 0.0;
  }
  return true;
}

}  // namespace

BaselineModel::BaselineModel(ModelInfo info, FeatureScaler scaler, std::vector<double> cholesky)
    : info_(std::move(info)), scaler_(std::move(scaler)), cholesky_(std::move(cholesky)) {
  size_t n = scaler_.dimension();
  z_.resize(n);
  u_.resize(n);
  w_.resize(n);
  contributions_.resize(n);
}

Result<std::unique_ptr<BaselineModel>> BaselineModel::Fit(const std::vector<std::vector<float>>& rows,
                                                          std::vector<bool> log_scale, ModelInfo info,
                                                          const FitOptions& options) {
  const size_t n = log_scale.size();
  if (n == 0 || info.feature_names.size() != n) {
    return MakeError(ErrorCode::kInvalidArgument, "baseline: feature names do not match the dimension");
  }
  if (rows.size() < 2 * n + 10) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "baseline: " + std::to_string(rows.size()) + " windows are too few for " +
                         std::to_string(n) + " features (need " + std::to_string(2 * n + 10) + ")");
  }
  FeatureScaler scaler = FeatureScaler::Fit(rows, std::move(log_scale));
  std::vector<double> z(n), covariance(n * n, 0.0), mean(n, 0.0);
  std::vector<std::vector<double>> standardised(rows.size(), std::vector<double>(n));
  for (size_t r = 0; r < rows.size(); ++r) {
    scaler.Apply(rows[r], standardised[r]);
    for (double& v : standardised[r]) v = std::clamp(v, -kWinsorLimit, kWinsorLimit);
    for (size_t i = 0; i < n; ++i) mean[i] += standardised[r][i];
  }
  for (double& m : mean) m /= static_cast<double>(rows.size());
  for (const auto& row : standardised) {
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j <= i; ++j) covariance[i * n + j] += (row[i] - mean[i]) * (row[j] - mean[j]);
    }
  }
  const double lambda = std::clamp(options.shrinkage, 0.0, 1.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double value = covariance[i * n + j] / static_cast<double>(rows.size() - 1);
      value *= (i == j) ? 1.0 : (1.0 - lambda);
      covariance[i * n + j] = value;
      covariance[j * n + i] = value;
    }
    // A feature that never moved in training still needs a usable variance.
    covariance[i * n + i] = std::max(covariance[i * n + i], 1e-3);
  }
  if (!Cholesky(covariance, n)) return MakeError(ErrorCode::kInvalidArgument, "baseline: covariance is not positive definite");
  info.kind = "baseline";
  info.quantile = options.quantile;
  std::unique_ptr<BaselineModel> model(new BaselineModel(std::move(info), std::move(scaler), std::move(covariance)));
  std::vector<double> scores;
  scores.reserve(rows.size());
  ModelScore score;
  for (const auto& row : rows) {
    model->Score(row, score);
    scores.push_back(score.score);
  }
  model->info_.threshold = std::max(options.margin, 1e-3) * Quantile(scores, options.quantile);
  return model;
}

double BaselineModel::SquaredDistance(std::span<const float> features) {
  const size_t n = z_.size();
  scaler_.Apply(features, z_);
  // d^2 = z^T (L L^T)^-1 z = |u|^2 with L u = z.
  for (size_t i = 0; i < n; ++i) {
    double value = z_[i];
    for (size_t k = 0; k < i; ++k) value -= cholesky_[i * n + k] * u_[k];
    u_[i] = value / cholesky_[i * n + i];
  }
  double d2 = 0.0;
  for (size_t i = 0; i < n; ++i) d2 += u_[i] * u_[i];
  return d2;
}

void BaselineModel::Score(std::span<const float> features, ModelScore& out) {
  const size_t n = z_.size();
  double d2 = SquaredDistance(features);
  // w = L^-T u = covariance^-1 z; z_i * w_i splits d^2 among the features.
  for (size_t i = n; i-- > 0;) {
    double value = u_[i];
    for (size_t k = i + 1; k < n; ++k) value -= cholesky_[k * n + i] * w_[k];
    w_[i] = value / cholesky_[i * n + i];
  }
  for (size_t i = 0; i < n; ++i) contributions_[i] = z_[i] * w_[i];
  out.score = std::sqrt(d2 / static_cast<double>(n));
  FillTopContributions(contributions_, d2, out);
}

nlohmann::json BaselineModel::Parameters() const {
  const size_t n = z_.size();
  std::vector<double> lower;
  lower.reserve(n * (n + 1) / 2);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) lower.push_back(cholesky_[i * n + j]);
  }
  return {{"scaler", scaler_.ToJson()}, {"cholesky_lower", lower}};
}

Result<std::unique_ptr<BaselineModel>> BaselineModel::FromParameters(ModelInfo info, const nlohmann::json& parameters) {
  const size_t n = info.feature_names.size();
  if (!parameters.contains("scaler")) return MakeError(ErrorCode::kInvalidArgument, "baseline: no scaler");
  auto scaler = FeatureScaler::FromJson(parameters["scaler"], n);
  if (!scaler) return tl::unexpected(scaler.error());
  std::vector<double> lower;
  try {
    lower = parameters.at("cholesky_lower").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("baseline: ") + e.what());
  }
  if (lower.size() != n * (n + 1) / 2) return MakeError(ErrorCode::kInvalidArgument, "baseline: cholesky size mismatch");
  std::vector<double> cholesky(n * n, 0.0);
  size_t next = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double value = lower[next++];
      if (!std::isfinite(value) || (i == j && !(value > 0.0))) {
        return MakeError(ErrorCode::kInvalidArgument, "baseline: invalid cholesky factor");
      }
      cholesky[i * n + j] = value;
    }
  }
  info.kind = "baseline";
  return std::unique_ptr<BaselineModel>(new BaselineModel(std::move(info), std::move(*scaler), std::move(cholesky)));
}

}  // namespace uplinkd::inference
