#include "inference/feature_extractor.h"

#include <cmath>
#include <numbers>
#include <random>

#include <gtest/gtest.h>

namespace uplinkd::inference {
namespace {

constexpr uint32_t kN = 1024;
constexpr uint32_t kRate = 12'000;
constexpr double kBinHz = static_cast<double>(kRate) / kN;

std::vector<float> Sine(double amplitude, uint32_t bin, double offset = 0.0) {
  std::vector<float> x(kN);
  for (uint32_t n = 0; n < kN; ++n) {
    x[n] = static_cast<float>(offset + amplitude * std::sin(2.0 * std::numbers::pi * bin * n / kN));
  }
  return x;
}

class FeatureExtractorTest : public ::testing::Test {
 protected:
  FeatureExtractor extractor{kN, 8};
  std::vector<float> features = std::vector<float>(extractor.per_channel());
  void Run(const std::vector<float>& x) { extractor.Extract(x, kRate, features); }
};

TEST_F(FeatureExtractorTest, BinCentredSineMatchesClosedForm) {
  const double a = 2.0;
  Run(Sine(a, 32));  // 375 Hz; a sample lands on every crest
  EXPECT_NEAR(features[kRms], a / std::sqrt(2.0), 1e-5);
  EXPECT_NEAR(features[kPeak], a, 1e-5);
  EXPECT_NEAR(features[kCrestFactor], std::sqrt(2.0), 1e-5);
  EXPECT_NEAR(features[kKurtosis], 1.5, 1e-4);
  EXPECT_NEAR(features[kSkewness], 0.0, 1e-4);
  EXPECT_NEAR(features[kDominantHz], 32 * kBinHz, 1e-3);
  EXPECT_NEAR(features[kCentroidHz], 32 * kBinHz, 1e-2);
  // Bands are 750 Hz wide: everything is in band 0 and equals the sine's mean square.
  EXPECT_NEAR(features[kFirstBand], a * a / 2, 1e-4);
  for (uint32_t b = 1; b < 8; ++b) EXPECT_NEAR(features[kFirstBand + b], 0.0, 1e-6);
}

TEST_F(FeatureExtractorTest, OffsetCountsInRmsButNotInShapeOrSpectrum) {
  const double a = 1.0, dc = 3.0;
  Run(Sine(a, 300, dc));  // 3515.625 Hz: band 4
  EXPECT_NEAR(features[kRms], std::sqrt(dc * dc + a * a / 2), 1e-4);
  EXPECT_NEAR(features[kPeak], dc + a, 1e-3);
  EXPECT_NEAR(features[kKurtosis], 1.5, 1e-3);
  EXPECT_NEAR(features[kFirstBand + 4], a * a / 2, 1e-4);
  EXPECT_NEAR(features[kDominantHz], 300 * kBinHz, 1e-2);
}

TEST_F(FeatureExtractorTest, TwoTonesGiveWeightedCentroidAndParsevalBands) {
  auto x = Sine(1.0, 40);
  auto y = Sine(0.5, 400);  // 4687.5 Hz: band 6
  for (uint32_t n = 0; n < kN; ++n) x[n] += y[n];
  Run(x);
  const double p1 = 0.5, p2 = 0.125;
  EXPECT_NEAR(features[kCentroidHz], (40 * kBinHz * p1 + 400 * kBinHz * p2) / (p1 + p2), 0.05);
  EXPECT_NEAR(features[kDominantHz], 40 * kBinHz, 1e-2);
  EXPECT_NEAR(features[kFirstBand + 0], p1, 1e-4);
  EXPECT_NEAR(features[kFirstBand + 6], p2, 1e-4);
  double total = 0.0;
  for (uint32_t b = 0; b < 8; ++b) total += features[kFirstBand + b];
  EXPECT_NEAR(total, p1 + p2, 1e-4);
}

TEST_F(FeatureExtractorTest, OffBinToneIsInterpolated) {
  std::vector<float> x(kN);
  const double f = 1234.5;
  for (uint32_t n = 0; n < kN; ++n) x[n] = static_cast<float>(std::sin(2.0 * std::numbers::pi * f * n / kRate));
  Run(x);
  EXPECT_NEAR(features[kDominantHz], f, 0.1 * kBinHz);
}

TEST_F(FeatureExtractorTest, SquareWaveMatchesClosedForm) {
  std::vector<float> x(kN);
  for (uint32_t n = 0; n < kN; ++n) x[n] = (n / 16) % 2 == 0 ? 3.0f : -3.0f;
  Run(x);
  EXPECT_NEAR(features[kRms], 3.0, 1e-5);
  EXPECT_NEAR(features[kPeak], 3.0, 1e-6);
  EXPECT_NEAR(features[kCrestFactor], 1.0, 1e-6);
  EXPECT_NEAR(features[kKurtosis], 1.0, 1e-5);
  EXPECT_NEAR(features[kSkewness], 0.0, 1e-5);
  EXPECT_NEAR(features[kDominantHz], 32 * kBinHz, 1e-2);  // fundamental of a 32-sample period
}

TEST_F(FeatureExtractorTest, SingleImpulseMatchesBernoulliMoments) {
  std::vector<float> x(kN, 0.0f);
  const double h = 5.0;
  x[100] = static_cast<float>(h);
  Run(x);
  const double p = 1.0 / kN;
  EXPECT_NEAR(features[kRms], h * std::sqrt(p), 1e-6);
  EXPECT_NEAR(features[kPeak], h, 1e-6);
  EXPECT_NEAR(features[kCrestFactor], 1.0 / std::sqrt(p), 1e-2);
  EXPECT_NEAR(features[kSkewness], (1 - 2 * p) / std::sqrt(p * (1 - p)), 1e-2);
  EXPECT_NEAR(features[kKurtosis], (1 - 3 * p + 3 * p * p) / (p * (1 - p)), 0.5);
}

TEST_F(FeatureExtractorTest, GaussianNoiseHasKurtosisThreeAndFlatBands) {
  std::mt19937 random(3);
  std::normal_distribution<float> gaussian(0.0f, 1.0f);
  double kurtosis = 0.0, skew = 0.0, total = 0.0;
  const int trials = 50;
  std::vector<double> bands(8, 0.0);
  for (int t = 0; t < trials; ++t) {
    std::vector<float> x(kN);
    for (auto& v : x) v = gaussian(random);
    Run(x);
    kurtosis += features[kKurtosis] / trials;
    skew += features[kSkewness] / trials;
    for (uint32_t b = 0; b < 8; ++b) bands[b] += features[kFirstBand + b] / trials;
  }
  EXPECT_NEAR(kurtosis, 3.0, 0.1);
  EXPECT_NEAR(skew, 0.0, 0.05);
  for (double band : bands) {
    total += band;
    EXPECT_NEAR(band, 1.0 / 8, 0.02);  // white: variance spread evenly
  }
  EXPECT_NEAR(total, 1.0, 0.05);
}

TEST_F(FeatureExtractorTest, FlatLineGivesZeroShapeAndNoSpectrum) {
  Run(std::vector<float>(kN, 0.02f));
  EXPECT_NEAR(features[kRms], 0.02, 1e-7);
  EXPECT_EQ(features[kKurtosis], 0.0f);
  EXPECT_EQ(features[kSkewness], 0.0f);
  EXPECT_EQ(features[kDominantHz], 0.0f);
  EXPECT_EQ(features[kCentroidHz], 0.0f);
  for (uint32_t b = 0; b < 8; ++b) EXPECT_NEAR(features[kFirstBand + b], 0.0, 1e-12);
}

TEST_F(FeatureExtractorTest, NamesFollowVectorOrder) {
  auto names = extractor.Names(2);
  ASSERT_EQ(names.size(), 2 * extractor.per_channel());
  EXPECT_EQ(names[0], "ch0.rms");
  EXPECT_EQ(names[kKurtosis], "ch0.kurtosis");
  EXPECT_EQ(names[extractor.per_channel() + kFirstBand + 7], "ch1.band7");
}

}  // namespace
}  // namespace uplinkd::inference
