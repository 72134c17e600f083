#include "policy/health/probe_budget.h"

#include <algorithm>

namespace uplinkd::policy {

ProbeBudget::ProbeBudget(uint64_t bytes_per_hour, SteadyTime now)
    : bytes_per_second_(static_cast<double>(bytes_per_hour) / 3600.0),
      capacity_(std::max<uint64_t>(bytes_per_hour / 60, 1)),
      tokens_(static_cast<double>(capacity_)),
      refilled_at_(now) {}

void ProbeBudget::Refill(SteadyTime now) {
  if (now <= refilled_at_) return;
  double seconds = std::chrono::duration<double>(now - refilled_at_).count();
  tokens_ = std::min(static_cast<double>(capacity_), tokens_ + seconds * bytes_per_second_);
  refilled_at_ = now;
}

bool ProbeBudget::TryCharge(uint64_t bytes, SteadyTime now) {
  Refill(now);
  if (tokens_ < static_cast<double>(bytes)) return false;
  tokens_ -= static_cast<double>(bytes);
  return true;
}

double ProbeBudget::available(SteadyTime now) {
  Refill(now);
  return tokens_;
}

}  // namespace uplinkd::policy
