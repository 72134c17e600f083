#include "net/fake_nftables_monitor.h"

namespace uplinkd::net {

Result<void> FakeNftablesMonitor::Start(std::function<void(const NftTableChange&)> on_change) {
  if (on_change_) return MakeError(ErrorCode::kInvalidArgument, "nftables monitor already started");
  on_change_ = std::move(on_change);
  return {};
}

void FakeNftablesMonitor::Emit(const NftTableChange& change) {
  if (auto handler = on_change_) handler(change);
}

}  // namespace uplinkd::net
