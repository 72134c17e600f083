#pragma once
// The hard cap on a Wan's probe traffic as a token bucket: it refills at cap/3600 bytes per
// second and holds at most a minute's worth, so confirmation bursts are paid from savings while
// no hour can spend more than the cap plus one minute's allowance. Steady probing is checked to
// fit under the refill rate when the configuration is read.
#include <cstdint>

#include "base/scheduler.h"

namespace uplinkd::policy {

class ProbeBudget {
 public:
  ProbeBudget(uint64_t bytes_per_hour, SteadyTime now);

  // Takes `bytes` if the bucket holds them; false (and takes nothing) otherwise.
  bool TryCharge(uint64_t bytes, SteadyTime now);
  double available(SteadyTime now);
  uint64_t capacity() const { return capacity_; }

 private:
  void Refill(SteadyTime now);

  double bytes_per_second_;
  uint64_t capacity_;
  double tokens_;
  SteadyTime refilled_at_;
};

}  // namespace uplinkd::policy
