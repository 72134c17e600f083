#pragma once
// Where the pipeline's alert events go. The real sink submits them to the daemon's alert relay
// (UnixDatagramAlertSink); tests use FakeAlertSink.
#include "inference/alert_event.h"

namespace uplinkd::inference {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Must not block: a sink that cannot deliver now queues and retries on its own.
  virtual void Submit(const AlertEvent& event) = 0;
};

}  // namespace uplinkd::inference
