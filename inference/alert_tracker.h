#pragma once
// Turns one stream's per-window scores into alert life-cycle decisions: raise when k of the last n
// windows are above threshold, escalate when k of n reach a higher severity, clear when the last
// `clear_windows` windows were all normal; raises and escalations are rate limited by a token
// bucket. Pure state: time comes in with each window, there is no I/O.
#include <cstdint>
#include <optional>
#include <vector>

#include "inference/alert_event.h"

namespace uplinkd::inference {

struct AlertPolicy {
  uint32_t k = 3;
  uint32_t n = 5;
  uint32_t clear_windows = 10;
  double major_ratio = 2.0;     // score / threshold at or above which a window is major
  double critical_ratio = 4.0;
  double max_events_per_minute = 6.0;  // refill rate of the bucket
  double burst = 3.0;                  // bucket size
};

class AlertTracker {
 public:
  struct Decision {
    AlertState state;
    AlertSeverity severity;
  };
  struct Stats {
    uint64_t raised = 0, escalated = 0, cleared = 0;
    uint64_t suppressed = 0;  // alerts whose raise the rate limit held back
  };

  explicit AlertTracker(const AlertPolicy& policy);

  // `time_s` is the window's time in seconds on any monotonic scale (stream time in replay).
  std::optional<Decision> Observe(double time_s, double score, double threshold);
  bool active() const { return active_ != AlertSeverity::kNone; }
  AlertSeverity reported_severity() const { return reported_; }
  const Stats& stats() const { return stats_; }

 private:
  AlertSeverity LevelOf(double score, double threshold) const;
  AlertSeverity HysteresisLevel() const;
  bool TakeToken(double time_s);

  AlertPolicy policy_;
  std::vector<AlertSeverity> recent_;  // ring of the last n window levels
  size_t next_ = 0;
  size_t seen_ = 0;
  uint32_t normal_run_ = 0;
  AlertSeverity active_ = AlertSeverity::kNone;    // what the hysteresis says
  AlertSeverity reported_ = AlertSeverity::kNone;  // what was actually sent (rate limiting)
  double tokens_;
  double last_refill_s_ = 0.0;
  bool refilled_once_ = false;
  Stats stats_;
};

}  // namespace uplinkd::inference
