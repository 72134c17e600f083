#pragma once
// nftables as uplinkd needs it: whole tables that uplinkd owns, replaced atomically.
// Real implementation: LibnftnlEdge (libnftnl + libmnl, one netlink transaction per call).
// Fake: FakeNftablesEdge (keeps the tables it was given).
#include <string>

#include "base/result.h"
#include "net/nft_table.h"

namespace uplinkd::net {

class NftablesEdge {
 public:
  virtual ~NftablesEdge() = default;

  // Makes the kernel's table exactly `table` (created if absent, its previous chains and rules
  // gone) in one transaction: packets see the old table or the new one, never none or a mix. An
  // invalid table is refused before anything is sent and leaves the current one in place.
  virtual Result<void> ApplyTable(const nft::Table& table) = 0;
  // Removes the table and everything in it, atomically. Absent: success.
  virtual Result<void> DeleteTable(nft::Family family, const std::string& name) = 0;
  virtual Result<bool> TableExists(nft::Family family, const std::string& name) = 0;
};

}  // namespace uplinkd::net
