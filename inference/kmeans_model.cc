#include "inference/kmeans_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

#include "inference/top_contributions.h"

namespace uplinkd::inference {
namespace {

double SquaredDistance(std::span<const double> a, std::span<const double> b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return sum;
}

size_t Nearest(std::span<const double> z, const std::vector<std::vector<double>>& centres, double* distance) {
  size_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < centres.size(); ++c) {
    double d = SquaredDistance(z, centres[c]);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  if (distance) *distance = best_distance;
  return best;
}

}  // namespace

KMeansModel::KMeansModel(ModelInfo info, FeatureScaler scaler, std::vector<std::vector<double>> centres)
    : info_(std::move(info)), scaler_(std::move(scaler)), centres_(std::move(centres)),
      z_(scaler_.dimension()), contributions_(scaler_.dimension()) {}

Result<std::unique_ptr<KMeansModel>> KMeansModel::Fit(const std::vector<std::vector<float>>& rows,
                                                      std::vector<bool> log_scale, ModelInfo info,
                                                      const FitOptions& options) {
  const size_t n = log_scale.size();
  const size_t k = std::max<size_t>(options.clusters, 1);
  if (n == 0 || info.feature_names.size() != n) {
    return MakeError(ErrorCode::kInvalidArgument, "kmeans: feature names do not match the dimension");
  }
  if (rows.size() < 10 * k) {
    return MakeError(ErrorCode::kInvalidArgument, "kmeans: " + std::to_string(rows.size()) +
                                                      " windows are too few for " + std::to_string(k) + " clusters");
  }
  FeatureScaler scaler = FeatureScaler::Fit(rows, std::move(log_scale));
  std::vector<std::vector<double>> points(rows.size(), std::vector<double>(n));
  for (size_t r = 0; r < rows.size(); ++r) scaler.Apply(rows[r], points[r]);

  // k-means++ seeding, then Lloyd iterations.
  std::mt19937_64 random(options.seed);
  std::vector<std::vector<double>> centres;
  centres.push_back(points[std::uniform_int_distribution<size_t>(0, points.size() - 1)(random)]);
  std::vector<double> weights(points.size());
  while (centres.size() < k) {
    for (size_t r = 0; r < points.size(); ++r) Nearest(points[r], centres, &weights[r]);
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    centres.push_back(points[pick(random)]);
  }
  std::vector<size_t> assignment(points.size(), 0);
  for (size_t iteration = 0; iteration < options.iterations; ++iteration) {
    bool changed = false;
    for (size_t r = 0; r < points.size(); ++r) {
      size_t nearest = Nearest(points[r], centres, nullptr);
      changed |= nearest != assignment[r];
      assignment[r] = nearest;
    }
    std::vector<std::vector<double>> sums(k, std::vector<double>(n, 0.0));
    std::vector<size_t> counts(k, 0);
    for (size_t r = 0; r < points.size(); ++r) {
      ++counts[assignment[r]];
      for (size_t i = 0; i < n; ++i) sums[assignment[r]][i] += points[r][i];
    }
    for (size_t c = 0; c < k; ++c) {
      if (counts[c] == 0) continue;  // an empty cluster keeps its centre
      for (size_t i = 0; i < n; ++i) centres[c][i] = sums[c][i] / static_cast<double>(counts[c]);
    }
    if (!changed && iteration > 0) break;
  }
  info.kind = "kmeans";
  info.quantile = options.quantile;
  std::unique_ptr<KMeansModel> model(new KMeansModel(std::move(info), std::move(scaler), std::move(centres)));
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

void KMeansModel::Score(std::span<const float> features, ModelScore& out) {
  scaler_.Apply(features, z_);
  double d2 = 0.0;
  const auto& centre = centres_[Nearest(z_, centres_, &d2)];
  for (size_t i = 0; i < z_.size(); ++i) contributions_[i] = (z_[i] - centre[i]) * (z_[i] - centre[i]);
  out.score = std::sqrt(d2 / static_cast<double>(z_.size()));
  FillTopContributions(contributions_, d2, out);
}

nlohmann::json KMeansModel::Parameters() const {
  return {{"scaler", scaler_.ToJson()}, {"centres", centres_}};
}

Result<std::unique_ptr<KMeansModel>> KMeansModel::FromParameters(ModelInfo info, const nlohmann::json& parameters) {
  const size_t n = info.feature_names.size();
  if (!parameters.contains("scaler")) return MakeError(ErrorCode::kInvalidArgument, "kmeans: no scaler");
  auto scaler = FeatureScaler::FromJson(parameters["scaler"], n);
  if (!scaler) return tl::unexpected(scaler.error());
  std::vector<std::vector<double>> centres;
  try {
    centres = parameters.at("centres").get<std::vector<std::vector<double>>>();
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("kmeans: ") + e.what());
  }
  if (centres.empty()) return MakeError(ErrorCode::kInvalidArgument, "kmeans: no centres");
  for (const auto& centre : centres) {
    if (centre.size() != n) return MakeError(ErrorCode::kInvalidArgument, "kmeans: centre dimension mismatch");
    for (double v : centre) {
      if (!std::isfinite(v)) return MakeError(ErrorCode::kInvalidArgument, "kmeans: non-finite centre");
    }
  }
  info.kind = "kmeans";
  return std::unique_ptr<KMeansModel>(new KMeansModel(std::move(info), std::move(*scaler), std::move(centres)));
}

}  // namespace uplinkd::inference
