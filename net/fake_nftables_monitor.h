#pragma once
// NftablesMonitor for unit tests: the test says what another process changed.
#include "net/nftables_monitor.h"

namespace uplinkd::net {

class FakeNftablesMonitor : public NftablesMonitor {
 public:
  Result<void> Start(std::function<void(const NftTableChange&)> on_change) override;
  void Stop() override { on_change_ = nullptr; }
  // Delivers at once (the test plays the loop); nothing when not started.
  void Emit(const NftTableChange& change);
  bool started() const { return static_cast<bool>(on_change_); }

 private:
  std::function<void(const NftTableChange&)> on_change_;
};

}  // namespace uplinkd::net
