#pragma once
#include <vector>

#include "inference/alert_sink.h"

namespace uplinkd::inference {

// Keeps every submitted event for a test to inspect.
class FakeAlertSink : public AlertSink {
 public:
  void Submit(const AlertEvent& event) override { events.push_back(event); }
  std::vector<AlertEvent> events;
};

}  // namespace uplinkd::inference
