#include "policy/health/probe_window.h"

#include <cmath>

namespace uplinkd::policy {

void ProbeWindow::Push(Sample sample) {
  samples_.push_back(sample);
  while (samples_.size() > size_) samples_.pop_front();
}

void ProbeWindow::AddAnswered(std::chrono::microseconds rtt) {
  Push({true, static_cast<double>(rtt.count()) / 1000.0});
}

void ProbeWindow::AddLost() { Push({false, 0.0}); }

std::optional<double> ProbeWindow::MeanRttMs() const {
  double sum = 0;
  size_t answered = 0;
  for (const auto& sample : samples_) {
    if (sample.answered) {
      sum += sample.rtt_ms;
      ++answered;
    }
  }
  if (answered == 0) return std::nullopt;
  return sum / static_cast<double>(answered);
}

std::optional<double> ProbeWindow::JitterMs() const {
  double sum = 0;
  size_t pairs = 0;
  std::optional<double> previous;
  for (const auto& sample : samples_) {
    if (!sample.answered) continue;
    if (previous) {
      sum += std::fabs(sample.rtt_ms - *previous);
      ++pairs;
    }
    previous = sample.rtt_ms;
  }
  if (pairs == 0) return std::nullopt;
  return sum / static_cast<double>(pairs);
}

double ProbeWindow::Loss() const {
  if (samples_.empty()) return 0.0;
  size_t lost = 0;
  for (const auto& sample : samples_) lost += sample.answered ? 0 : 1;
  return static_cast<double>(lost) / static_cast<double>(samples_.size());
}

}  // namespace uplinkd::policy
