#include "inference/detection_evaluator.h"

#include <cmath>

#include "inference/fake_alert_sink.h"

namespace uplinkd::inference {
namespace {

constexpr uint32_t kStream = 1;
constexpr size_t kFrameSamples = 256;

// Feeds generated samples through the pipeline frame by frame, as the sockets would.
class Feeder {
 public:
  Feeder(InferencePipeline& pipeline, uint32_t rate, uint16_t channels) : pipeline_(pipeline) {
    frame_.stream_id = kStream;
    frame_.sample_rate_hz = rate;
    frame_.channel_count = channels;
  }
  void Feed(VibrationSignalGenerator& generator, double seconds) {
    auto total = static_cast<size_t>(seconds * frame_.sample_rate_hz);
    for (size_t done = 0; done < total; done += kFrameSamples) {
      frame_.samples.clear();
      generator.Generate(std::min(kFrameSamples, total - done), frame_.samples);
      frame_.sequence = sequence_++;
      pipeline_.PushFrame(frame_);
    }
    seconds_ += static_cast<double>(total) / frame_.sample_rate_hz;
  }
  double seconds() const { return seconds_; }

 private:
  InferencePipeline& pipeline_;
  SensorFrame frame_;
  uint64_t sequence_ = 0;
  double seconds_ = 0.0;
};

}  // namespace

EvaluationReport DetectionEvaluator::Run() {
  FakeAlertSink sink;
  PipelineSettings pipeline_settings = settings_.pipeline;
  const double windows_per_s = static_cast<double>(settings_.signal.sample_rate_hz) / pipeline_settings.hop;
  pipeline_settings.learn_windows = static_cast<uint32_t>(settings_.train_minutes * 60.0 * windows_per_s);
  InferencePipeline pipeline(pipeline_settings, sink);
  pipeline.set_wall_clock([] { return uint64_t{0}; });
  Feeder feeder(pipeline, settings_.signal.sample_rate_hz, settings_.signal.channels);

  // Training and held-out data come from different seeds: the same machine, another day.
  VibrationSignalSettings train = settings_.signal;
  train.seed = settings_.signal.seed * 1000 + 1;
  VibrationSignalGenerator train_generator(train);
  feeder.Feed(train_generator, settings_.train_minutes * 60.0 + 1.0);

  VibrationSignalSettings held_out = settings_.signal;
  held_out.seed = settings_.signal.seed * 1000 + 2;
  VibrationSignalGenerator generator(held_out);
  EvaluationReport report;
  // Stream time of every raise, from the pipeline's per-window results.
  std::vector<double> raise_times;
  pipeline.set_window_observer([&](const WindowResult& result) {
    if (result.event != nullptr && result.event->state == AlertState::kRaised) raise_times.push_back(result.time_s);
  });
  auto raises = [&] { return static_cast<int>(raise_times.size()); };
  auto healthy = [&](double seconds) {
    generator.set_fault(SignalFault::kNone, 0.0);
    int before = raises();
    feeder.Feed(generator, seconds);
    report.false_alarms += raises() - before;
    report.healthy_hours += seconds / 3600.0;
  };
  healthy(settings_.healthy_minutes * 60.0);

  struct Fault {
    const char* name;
    SignalFault kind;
    double severity;
  };
  const Fault faults[] = {{"bearing_defect", SignalFault::kBearingDefect, settings_.bearing_severity},
                          {"amplitude_drift", SignalFault::kAmplitudeDrift, settings_.drift_per_minute},
                          {"flat_line", SignalFault::kFlatLine, 0.0},
                          {"clipping", SignalFault::kClipping, settings_.clip_level}};
  for (const Fault& fault : faults) {
    FaultOutcome outcome;
    outcome.fault = fault.name;
    double latency_sum = 0.0;
    for (int episode = 0; episode < settings_.episodes_per_fault; ++episode) {
      // The lead-in also lets the previous episode's alert clear.
      healthy(settings_.lead_in_seconds);
      size_t first_raise = raise_times.size();
      double onset = feeder.seconds();
      generator.set_fault(fault.kind, fault.severity);
      feeder.Feed(generator, settings_.fault_seconds);
      ++outcome.episodes;
      if (raise_times.size() > first_raise) {
        ++outcome.detected;
        latency_sum += raise_times[first_raise] - onset;
      }
    }
    outcome.mean_latency_s = outcome.detected > 0 ? latency_sum / outcome.detected : 0.0;
    report.episodes += outcome.episodes;
    report.detected += outcome.detected;
    report.faults.push_back(outcome);
  }
  return report;
}

}  // namespace uplinkd::inference
