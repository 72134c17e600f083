#include "policy/wan_health.h"

namespace uplinkd::policy {

const char* WanHealthStateName(WanHealthState state) {
  switch (state) {
    case WanHealthState::kUnknown: return "unknown";
    case WanHealthState::kUp: return "up";
    case WanHealthState::kSuspect: return "suspect";
    case WanHealthState::kDown: return "down";
  }
  return "?";
}

}  // namespace uplinkd::policy
