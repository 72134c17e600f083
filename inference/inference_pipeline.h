#pragma once
// Frames in, alert events out: windowing, features, the stream's model and its alert tracker.
// Every ingest path (UDP, Unix socket, MQTT, CSV replay, the benchmark) feeds PushFrame(); nothing
// here does I/O except through the AlertSink. Until a stream has a model it learns a baseline from
// its first `learn_windows` windows (the field case: no labelled data).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/logger.h"
#include "base/result.h"
#include "inference/alert_sink.h"
#include "inference/alert_tracker.h"
#include "inference/anomaly_model.h"
#include "inference/feature_extractor.h"
#include "inference/stream_windower.h"

namespace uplinkd::inference {

struct PipelineSettings {
  uint32_t window = 1024;
  uint32_t hop = 512;
  uint32_t band_count = 8;
  size_t max_streams = 16;
  AlertPolicy alert_policy;
  uint32_t learn_windows = 2000;  // windows of normal operation the baseline is learned from
  double baseline_quantile = 0.999;
  double baseline_margin = 1.5;   // threshold = margin * quantile of the learning windows' scores
  // Where learned baselines are saved as model files (empty: not saved); "<dir>/stream-<id>.model".
  std::string baseline_dir;
  std::map<uint32_t, std::string> stream_names;  // "stream-<id>" when absent
};

enum class WindowPhase : uint8_t { kLearning, kScored };

// What happened to one window, for replay output, evaluation and the benchmark.
struct WindowResult {
  uint32_t stream_id = 0;
  uint64_t end_sample = 0;
  double time_s = 0.0;  // stream time of the window's last sample
  WindowPhase phase = WindowPhase::kLearning;
  double score = 0.0;
  double threshold = 0.0;
  bool alert_active = false;
  AlertSeverity severity = AlertSeverity::kNone;
  const AlertEvent* event = nullptr;  // set when this window produced an alert event
  const ModelScore* model_score = nullptr;
  const AnomalyModel* model = nullptr;
};

class InferencePipeline {
 public:
  using WindowObserver = std::function<void(const WindowResult&)>;
  using WallClock = std::function<uint64_t()>;  // ns since the epoch

  InferencePipeline(PipelineSettings settings, AlertSink& sink);

  void PushFrame(const SensorFrame& frame);
  // Replaces the stream's model between two windows. Refused (and the running model kept) when
  // the model's feature spec does not match this pipeline or the stream's known format.
  Result<void> InstallModel(uint32_t stream_id, std::unique_ptr<AnomalyModel> model);
  const AnomalyModel* model(uint32_t stream_id) const;

  void set_window_observer(WindowObserver observer) { observer_ = std::move(observer); }
  void set_wall_clock(WallClock clock) { wall_clock_ = std::move(clock); }
  const StreamWindower::Stats& windower_stats() const { return windower_.stats(); }
  const FeatureExtractor& extractor() const { return extractor_; }
  FeatureSpec SpecFor(uint16_t channels, uint32_t sample_rate_hz) const;

 private:
  struct Stream {
    std::string name;
    uint16_t channels = 0;
    uint32_t sample_rate_hz = 0;
    std::vector<float> features;
    std::unique_ptr<AnomalyModel> model;
    std::vector<float> learning_rows;  // flat, reserved for learn_windows rows up front
    std::unique_ptr<AlertTracker> tracker;
    uint64_t alert_number = 0;
    std::string alert_key;
    ModelScore score;
  };
  void OnWindow(const StreamWindow& window);
  Stream& StreamFor(const StreamWindow& window);
  Result<void> CheckCompatible(const AnomalyModel& model, const Stream* stream) const;
  void FinishLearning(uint32_t stream_id, Stream& stream);
  AlertEvent MakeEvent(uint32_t stream_id, Stream& stream, const StreamWindow& window, AlertState state,
                       AlertSeverity severity) const;

  PipelineSettings settings_;
  AlertSink& sink_;
  StreamWindower windower_;
  FeatureExtractor extractor_;
  std::map<uint32_t, Stream> streams_;
  // Models installed before their stream's first frame wait here.
  std::map<uint32_t, std::unique_ptr<AnomalyModel>> waiting_models_;
  WindowObserver observer_;
  WallClock wall_clock_;
  Logger log_{LogModule::kInference};
};

}  // namespace uplinkd::inference
