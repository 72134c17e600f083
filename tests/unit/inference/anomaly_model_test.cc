#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/baseline_model.h"
#include "inference/kmeans_model.h"
#include "inference/model_file.h"

namespace uplinkd::inference {
namespace {

constexpr size_t kDimension = 6;

// Correlated Gaussian rows: feature 1 follows feature 0, the rest are independent.
std::vector<std::vector<float>> NormalRows(size_t count, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<float> gaussian(0.0f, 1.0f);
  std::vector<std::vector<float>> rows;
  for (size_t r = 0; r < count; ++r) {
    std::vector<float> row(kDimension);
    for (auto& v : row) v = 10.0f + gaussian(random);
    row[1] = row[0] + 0.1f * gaussian(random);
    row[5] = std::exp(gaussian(random) * 0.2f);  // scale-like, log-normal
    rows.push_back(row);
  }
  return rows;
}

ModelInfo Info() {
  ModelInfo info;
  info.version = "test-1";
  info.spec = FeatureSpec{1024, 512, 8, 1, 12000};
  for (size_t i = 0; i < kDimension; ++i) info.feature_names.push_back("f" + std::to_string(i));
  return info;
}

std::vector<bool> LogScale() { return {false, false, false, false, false, true}; }

TEST(BaselineModelTest, ThresholdIsTheTrainingQuantileAndHeldOutDataMostlyStaysBelow) {
  auto rows = NormalRows(4000, 1);
  BaselineModel::FitOptions options;
  options.quantile = 0.99;
  auto model = BaselineModel::Fit(rows, LogScale(), Info(), options);
  ASSERT_TRUE(model) << model.error().message;
  EXPECT_EQ((*model)->info().kind, "baseline");
  int above = 0;
  ModelScore score;
  for (const auto& row : NormalRows(4000, 2)) {
    (*model)->Score(row, score);
    above += score.score > (*model)->info().threshold;
  }
  EXPECT_NEAR(above / 4000.0, 0.01, 0.01);
}

TEST(BaselineModelTest, BrokenCorrelationScoresHighAndNamesTheFeatures) {
  auto model = BaselineModel::Fit(NormalRows(4000, 1), LogScale(), Info(), {});
  ASSERT_TRUE(model);
  // Each value is ordinary on its own; only the pair 0/1 is abnormal (a Mahalanobis case).
  std::vector<float> row = {12.0f, 8.0f, 10.0f, 10.0f, 10.0f, 1.0f};
  ModelScore score;
  (*model)->Score(row, score);
  EXPECT_GT(score.score, 1.5 * (*model)->info().threshold);
  ASSERT_EQ(score.top_count, kTopFeatures);
  std::set<uint32_t> top = {score.top[0].index, score.top[1].index};
  EXPECT_EQ(top, (std::set<uint32_t>{0, 1}));
  EXPECT_GT(score.top[0].share + score.top[1].share, 0.9f);
}

TEST(BaselineModelTest, RefusesTooFewRows) {
  EXPECT_FALSE(BaselineModel::Fit(NormalRows(10, 1), LogScale(), Info(), {}));
}

TEST(KMeansModelTest, TwoRegimesAreBothNormalButTheGapBetweenIsNot) {
  auto rows = NormalRows(2000, 3);
  auto other = NormalRows(2000, 4);
  for (auto& row : other) {
    for (size_t i = 0; i < 5; ++i) row[i] += 8.0f;  // a second operating point
    rows.push_back(row);
  }
  for (auto& row : rows) row[5] = 1.0f;  // keep the spread in the five shifted features only
  KMeansModel::FitOptions options;
  options.clusters = 2;
  auto model = KMeansModel::Fit(rows, LogScale(), Info(), options);
  ASSERT_TRUE(model) << model.error().message;
  ModelScore low, high, between;
  (*model)->Score(std::vector<float>{10, 10, 10, 10, 10, 1}, low);
  (*model)->Score(std::vector<float>{18, 18, 18, 18, 18, 1}, high);
  (*model)->Score(std::vector<float>{14, 14, 14, 14, 14, 1}, between);
  const double threshold = (*model)->info().threshold;
  EXPECT_LT(low.score, threshold);
  EXPECT_LT(high.score, threshold);
  EXPECT_GT(between.score, threshold);
}

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fitted = BaselineModel::Fit(NormalRows(1000, 5), LogScale(), Info(), {});
    ASSERT_TRUE(fitted);
    model = std::move(*fitted);
    reference = NormalRows(1, 9)[0];
    text = ModelFile::Serialize(*model, reference);
  }
  std::unique_ptr<AnomalyModel> model;
  std::vector<float> reference;
  std::string text;
};

TEST_F(ModelFileTest, RoundTripScoresIdentically) {
  ASSERT_TRUE(text.starts_with("uplinkd-model 1\nsha256 "));
  auto loaded = ModelFile::Parse(text);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ((*loaded)->info().version, "test-1");
  EXPECT_EQ((*loaded)->info().spec, model->info().spec);
  EXPECT_DOUBLE_EQ((*loaded)->info().threshold, model->info().threshold);
  for (const auto& row : NormalRows(20, 11)) {
    ModelScore a, b;
    model->Score(row, a);
    (*loaded)->Score(row, b);
    EXPECT_DOUBLE_EQ(a.score, b.score);
  }
}

TEST_F(ModelFileTest, TamperedBodyFailsTheChecksum) {
  std::string tampered = text;
  tampered[tampered.size() - 10] ^= 1;
  auto loaded = ModelFile::Parse(tampered);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("checksum"), std::string::npos);
}

TEST_F(ModelFileTest, WrongSelfTestScoreIsRefusedEvenWithAValidChecksum) {
  // Rebuild the file around a body whose recorded self-test score is off.
  std::string body = text.substr(text.find('\n', 16) + 1);
  auto json = nlohmann::json::parse(body);
  json["self_test"]["score"] = json["self_test"]["score"].get<double>() + 0.5;
  std::string new_body = json.dump() + "\n";
  std::string forged = "uplinkd-model 1\nsha256 " + ModelFile::Sha256Hex(new_body) + "\n" + new_body;
  auto loaded = ModelFile::Parse(forged);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kRejected);
}

TEST_F(ModelFileTest, MalformedParametersAreRefused) {
  std::string body = text.substr(text.find('\n', 16) + 1);
  auto json = nlohmann::json::parse(body);
  json["parameters"]["cholesky_lower"][0] = -1.0;  // not a Cholesky factor
  std::string new_body = json.dump() + "\n";
  EXPECT_FALSE(ModelFile::Parse("uplinkd-model 1\nsha256 " + ModelFile::Sha256Hex(new_body) + "\n" + new_body));
  EXPECT_FALSE(ModelFile::Parse("uplinkd-model 2\n"));
  EXPECT_FALSE(ModelFile::Parse(""));
}

TEST_F(ModelFileTest, AtomicWriteThenLoad) {
  std::string path = ::testing::TempDir() + "/model-file-test.model";
  ASSERT_TRUE(ModelFile::WriteAtomically(path, text));
  auto loaded = ModelFile::Load(path);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_FALSE(ModelFile::Load(path + ".missing"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace uplinkd::inference
