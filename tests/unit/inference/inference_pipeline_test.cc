#include "inference/inference_pipeline.h"

#include <gtest/gtest.h>

#include "inference/baseline_model.h"
#include "inference/fake_alert_sink.h"
#include "inference/frame_codec.h"
#include "inference/vibration_signal_generator.h"

namespace uplinkd::inference {
namespace {

class InferencePipelineTest : public ::testing::Test {
 protected:
  InferencePipelineTest() {
    settings.learn_windows = 300;
    settings.stream_names[1] = "pump1";
    pipeline = std::make_unique<InferencePipeline>(settings, sink);
    pipeline->set_wall_clock([] { return uint64_t{42}; });
    pipeline->set_window_observer([this](const WindowResult& r) { results.push_back(r); });
    signal.channels = 2;
  }
  void Feed(VibrationSignalGenerator& generator, double seconds, uint32_t stream = 1) {
    SensorFrame frame;
    frame.stream_id = stream;
    frame.sample_rate_hz = signal.sample_rate_hz;
    frame.channel_count = signal.channels;
    for (double t = 0; t < seconds; t += 512.0 / signal.sample_rate_hz) {
      frame.samples.clear();
      generator.Generate(512, frame.samples);
      frame.sequence = sequence++;
      pipeline->PushFrame(frame);
    }
  }

  PipelineSettings settings;
  FakeAlertSink sink;
  std::unique_ptr<InferencePipeline> pipeline;
  std::vector<WindowResult> results;
  VibrationSignalSettings signal;
  uint64_t sequence = 0;
};

TEST_F(InferencePipelineTest, LearnsThenAlertsOnABearingDefectAndClearsAfterRepair) {
  VibrationSignalGenerator generator(signal);
  Feed(generator, 300 * 512.0 / 12000 + 1);  // the learning period and a little more
  ASSERT_NE(pipeline->model(1), nullptr);
  EXPECT_EQ(results.front().phase, WindowPhase::kLearning);
  EXPECT_EQ(results.back().phase, WindowPhase::kScored);
  Feed(generator, 5);
  EXPECT_TRUE(sink.events.empty());

  generator.set_fault(SignalFault::kBearingDefect, 2.0);
  Feed(generator, 3);
  ASSERT_FALSE(sink.events.empty());
  const AlertEvent& raised = sink.events.front();
  EXPECT_EQ(raised.state, AlertState::kRaised);
  EXPECT_EQ(raised.stream_name, "pump1");
  EXPECT_EQ(raised.key, "pump1#1");
  EXPECT_GT(raised.score, raised.threshold);
  EXPECT_EQ(raised.model_version, pipeline->model(1)->info().version);
  EXPECT_EQ(raised.top_features.size(), kTopFeatures);
  EXPECT_EQ(raised.time_ns, 42u);

  generator.set_fault(SignalFault::kNone, 0.0);
  Feed(generator, 5);
  EXPECT_EQ(sink.events.back().state, AlertState::kCleared);
  EXPECT_EQ(sink.events.back().key, "pump1#1");
}

TEST_F(InferencePipelineTest, RefusesAnIncompatibleModelAndKeepsTheRunningOne) {
  VibrationSignalGenerator generator(signal);
  Feed(generator, 300 * 512.0 / 12000 + 1);
  const AnomalyModel* running = pipeline->model(1);
  ASSERT_NE(running, nullptr);
  // A model trained for one channel cannot score this two-channel stream.
  ModelInfo info;
  info.version = "wrong-shape";
  info.spec = pipeline->SpecFor(1, 12000);
  info.feature_names = pipeline->extractor().Names(1);
  std::vector<std::vector<float>> rows(200, std::vector<float>(info.feature_names.size(), 1.0f));
  for (size_t r = 0; r < rows.size(); ++r) rows[r][0] = static_cast<float>(r);
  auto model = BaselineModel::Fit(rows, std::vector<bool>(info.feature_names.size(), false), info, {});
  ASSERT_TRUE(model) << model.error().message;
  auto installed = pipeline->InstallModel(1, std::move(*model));
  EXPECT_FALSE(installed);
  EXPECT_EQ(pipeline->model(1), running);
}

TEST_F(InferencePipelineTest, BadFramesNeverReachThePipelineButGoodOnesStillDo) {
  SensorFrame frame;
  std::vector<uint8_t> garbage = {'U', 'P', 'S', 'F', 1, 3, 0, 0};
  EXPECT_FALSE(FrameCodec::Decode(garbage, frame));
  VibrationSignalGenerator generator(signal);
  Feed(generator, 1);
  EXPECT_FALSE(results.empty());
}

}  // namespace
}  // namespace uplinkd::inference
