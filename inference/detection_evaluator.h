#pragma once
// Measures what the pipeline detects on generated, held-out data: a baseline is learned from one
// healthy recording, then a different healthy recording counts false alarms and fault episodes
// (bearing defect, amplitude drift, flat line, clipping) count detections. Used by
// `uplinkd-infer evaluate` (the figures in docs/inference.md) and by a unit test with bounds.
#include <cstdint>
#include <string>
#include <vector>

#include "inference/inference_pipeline.h"
#include "inference/vibration_signal_generator.h"

namespace uplinkd::inference {

struct EvaluationSettings {
  PipelineSettings pipeline;
  VibrationSignalSettings signal;
  double train_minutes = 5.0;
  double healthy_minutes = 60.0;
  int episodes_per_fault = 5;
  double lead_in_seconds = 30.0;  // healthy time before each episode (counts towards false alarms)
  double fault_seconds = 60.0;
  double bearing_severity = 1.0;
  double drift_per_minute = 1.0;
  double clip_level = 1.2;
};

struct FaultOutcome {
  std::string fault;
  int episodes = 0;
  int detected = 0;
  double mean_latency_s = 0.0;  // from fault onset to the raise, over detected episodes
};

struct EvaluationReport {
  double healthy_hours = 0.0;
  int false_alarms = 0;
  std::vector<FaultOutcome> faults;
  int episodes = 0;
  int detected = 0;
  double false_alarms_per_hour() const { return healthy_hours > 0 ? false_alarms / healthy_hours : 0.0; }
  double detection_rate() const { return episodes > 0 ? static_cast<double>(detected) / episodes : 0.0; }
};

class DetectionEvaluator {
 public:
  explicit DetectionEvaluator(EvaluationSettings settings) : settings_(std::move(settings)) {}
  EvaluationReport Run();

 private:
  EvaluationSettings settings_;
};

}  // namespace uplinkd::inference
