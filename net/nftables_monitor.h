#pragma once
// Changes other processes make to nftables (`nft -f /etc/nftables.conf`, whose Debian default
// begins with `flush ruleset`; `nft delete table ...`), as our own events on the event loop, so
// uplinkd can put its table back. Real implementation: LibmnlNftablesMonitor (nf_tables
// notifications, NFNLGRP_NFTABLES). Fake: FakeNftablesMonitor.
#include <functional>
#include <optional>
#include <string>

#include "base/result.h"
#include "net/nft_table.h"

namespace uplinkd::net {

// One transaction by another process touched this table (it, a chain, a rule or a set of it).
// No family and an empty name: events were lost, any table may have changed.
struct NftTableChange {
  std::optional<nft::Family> family;
  std::string table;
  friend bool operator==(const NftTableChange&, const NftTableChange&) = default;
};

class NftablesMonitor {
 public:
  virtual ~NftablesMonitor() = default;
  // Handlers run on the event loop, never inside Start(); one call per table and transaction.
  virtual Result<void> Start(std::function<void(const NftTableChange&)> on_change) = 0;
  // No handler runs after Stop() returns.
  virtual void Stop() = 0;
};

}  // namespace uplinkd::net
