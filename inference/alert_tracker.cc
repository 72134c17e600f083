#include "inference/alert_tracker.h"

#include <algorithm>
#include <cmath>

namespace uplinkd::inference {

AlertTracker::AlertTracker(const AlertPolicy& policy)
    : policy_(policy), recent_(std::max<uint32_t>(policy.n, 1), AlertSeverity::kNone), tokens_(policy.burst) {
  policy_.n = static_cast<uint32_t>(recent_.size());
  policy_.k = std::clamp<uint32_t>(policy_.k, 1, policy_.n);
  policy_.clear_windows = std::max<uint32_t>(policy_.clear_windows, 1);
}

AlertSeverity AlertTracker::LevelOf(double score, double threshold) const {
  // A NaN score cannot be trusted to mean "normal"; treat it as the worst case.
  if (!(score <= threshold)) {
    if (std::isnan(score) || score >= threshold * policy_.critical_ratio) return AlertSeverity::kCritical;
    if (score >= threshold * policy_.major_ratio) return AlertSeverity::kMajor;
    return AlertSeverity::kWarning;
  }
  return AlertSeverity::kNone;
}

AlertSeverity AlertTracker::HysteresisLevel() const {
  // The highest level that at least k of the last n windows reached.
  for (int level = static_cast<int>(AlertSeverity::kCritical); level >= 1; --level) {
    auto count = std::count_if(recent_.begin(), recent_.end(),
                               [&](AlertSeverity s) { return static_cast<int>(s) >= level; });
    if (static_cast<uint32_t>(count) >= policy_.k) return static_cast<AlertSeverity>(level);
  }
  return AlertSeverity::kNone;
}

bool AlertTracker::TakeToken(double time_s) {
  if (refilled_once_) {
    double elapsed = std::max(0.0, time_s - last_refill_s_);
    tokens_ = std::min(policy_.burst, tokens_ + elapsed * policy_.max_events_per_minute / 60.0);
  }
  refilled_once_ = true;
  last_refill_s_ = time_s;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::optional<AlertTracker::Decision> AlertTracker::Observe(double time_s, double score, double threshold) {
  AlertSeverity level = LevelOf(score, threshold);
  recent_[next_] = level;
  next_ = (next_ + 1) % recent_.size();
  ++seen_;
  normal_run_ = level == AlertSeverity::kNone ? normal_run_ + 1 : 0;

  if (active_ == AlertSeverity::kNone) {
    AlertSeverity candidate = HysteresisLevel();
    if (candidate == AlertSeverity::kNone) return std::nullopt;
    active_ = candidate;
    if (!TakeToken(time_s)) {
      ++stats_.suppressed;
      return std::nullopt;
    }
    reported_ = candidate;
    ++stats_.raised;
    return Decision{AlertState::kRaised, candidate};
  }
  if (normal_run_ >= policy_.clear_windows) {
    AlertSeverity was = reported_;
    active_ = AlertSeverity::kNone;
    reported_ = AlertSeverity::kNone;
    // A clear always goes out when its raise did, so the far end never keeps a stale alert.
    if (was == AlertSeverity::kNone) return std::nullopt;
    ++stats_.cleared;
    return Decision{AlertState::kCleared, was};
  }
  AlertSeverity candidate = HysteresisLevel();
  if (candidate > active_) active_ = candidate;
  if (active_ > reported_) {
    // Retried every window while blocked; counted once, when first blocked (above).
    if (!TakeToken(time_s)) return std::nullopt;
    AlertState state = reported_ == AlertSeverity::kNone ? AlertState::kRaised : AlertState::kEscalated;
    reported_ = active_;
    ++(state == AlertState::kRaised ? stats_.raised : stats_.escalated);
    return Decision{state, active_};
  }
  return std::nullopt;
}

}  // namespace uplinkd::inference
