#include "inference/detection_evaluator.h"

#include <cstdio>

#include <gtest/gtest.h>

namespace uplinkd::inference {
namespace {

// Held-out generated data: a baseline learned from 3 minutes of one healthy recording, then 15
// minutes of another healthy recording and 3 episodes of each fault. The full-size figures in
// docs/inference.md come from `uplinkd-infer evaluate`.
TEST(DetectionEvaluationTest, DetectsFaultsWithFewFalseAlarmsOnHeldOutData) {
  EvaluationSettings settings;
  settings.train_minutes = 3.0;
  settings.healthy_minutes = 15.0;
  settings.episodes_per_fault = 3;
  settings.lead_in_seconds = 20.0;
  settings.fault_seconds = 30.0;
  settings.signal.seed = 7;
  // Short episodes: a faster drift so that it gets as far in 30 s as the default does in 60 s.
  settings.drift_per_minute = 2.0;
  EvaluationReport report = DetectionEvaluator(settings).Run();
  for (const auto& fault : report.faults) {
    std::printf("%s: %d/%d detected, mean latency %.2f s\n", fault.fault.c_str(), fault.detected, fault.episodes,
                fault.mean_latency_s);
    EXPECT_GE(fault.detected, 1) << fault.fault;
  }
  std::printf("healthy %.2f h, %d false alarms (%.2f/h), detection rate %.3f\n", report.healthy_hours,
              report.false_alarms, report.false_alarms_per_hour(), report.detection_rate());
  EXPECT_GE(report.detection_rate(), 0.8);
  EXPECT_LE(report.false_alarms_per_hour(), 4.0);
}

}  // namespace
}  // namespace uplinkd::inference
