#include "inference/feature_scaler.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace uplinkd::inference {
namespace {

// Powers below this are a dead sensor; the floor keeps log10 finite.
constexpr double kLogFloor = 1e-12;

double Transform(float x, bool log_scale) {
  return log_scale ? std::log10(std::max<double>(x, 0.0) + kLogFloor) : double{x};
}

}  // namespace

double Quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  double position = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  size_t low = static_cast<size_t>(std::floor(position));
  size_t high = std::min(low + 1, values.size() - 1);
  double fraction = position - static_cast<double>(low);
  return values[low] + (values[high] - values[low]) * fraction;
}

FeatureScaler FeatureScaler::Fit(const std::vector<std::vector<float>>& rows, std::vector<bool> log_scale) {
  FeatureScaler scaler;
  const size_t dimension = log_scale.size();
  scaler.log_scale_ = std::move(log_scale);
  scaler.center_.resize(dimension);
  scaler.scale_.resize(dimension);
  std::vector<double> column(rows.size());
  for (size_t i = 0; i < dimension; ++i) {
    for (size_t r = 0; r < rows.size(); ++r) column[r] = Transform(rows[r][i], scaler.log_scale_[i]);
    double median = Quantile(column, 0.5);
    for (double& v : column) v = std::abs(v - median);
    double mad = Quantile(column, 0.5);
    // 1.4826 * MAD estimates a standard deviation; the floors stop a constant training feature
    // (a fixed shaft speed) from turning a tiny change into an enormous score.
    double floor = scaler.log_scale_[i] ? 0.01 : std::max(1e-6, 0.01 * std::abs(median));
    scaler.center_[i] = median;
    scaler.scale_[i] = std::max(1.4826 * mad, floor);
  }
  return scaler;
}

void FeatureScaler::Apply(std::span<const float> x, std::span<double> z) const {
  for (size_t i = 0; i < center_.size(); ++i) z[i] = (Transform(x[i], log_scale_[i]) - center_[i]) / scale_[i];
}

nlohmann::json FeatureScaler::ToJson() const {
  return {{"log_scale", log_scale_}, {"center", center_}, {"scale", scale_}};
}

Result<FeatureScaler> FeatureScaler::FromJson(const nlohmann::json& json, size_t dimension) {
  FeatureScaler scaler;
  try {
    scaler.log_scale_ = json.at("log_scale").get<std::vector<bool>>();
    scaler.center_ = json.at("center").get<std::vector<double>>();
    scaler.scale_ = json.at("scale").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("scaler: ") + e.what());
  }
  if (scaler.log_scale_.size() != dimension || scaler.center_.size() != dimension ||
      scaler.scale_.size() != dimension) {
    return MakeError(ErrorCode::kInvalidArgument, "scaler: dimension mismatch");
  }
  for (size_t i = 0; i < dimension; ++i) {
    if (!std::isfinite(scaler.center_[i]) || !std::isfinite(scaler.scale_[i]) || scaler.scale_[i] <= 0.0) {
      return MakeError(ErrorCode::kInvalidArgument, "scaler: non-finite or non-positive value");
    }
  }
  return scaler;
}

}  // namespace uplinkd::inference
