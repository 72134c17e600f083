#pragma once
// Keeps uplinkd's nftables table (`inet uplinkd`) equal to the last table built for the current
// decision: one atomic ApplyTable per change (packets see the old mapping or the new one, never
// neither), nothing sent when nothing changed. The first Apply replaces whatever a crashed
// predecessor left under the same name; Remove() deletes the table on stop.
#include <optional>

#include "net/nftables_edge.h"

namespace uplinkd::policy {

class NftPolicyActuator {
 public:
  explicit NftPolicyActuator(net::NftablesEdge& edge) : edge_(edge) {}

  // Applies `table` unless it is what the kernel already holds from us.
  Result<void> Apply(const net::nft::Table& table);
  Result<void> Remove();
  // The kernel's table may no longer be what was applied (another process changed it): the next
  // Apply sends it whatever it is.
  void Invalidate() { applied_.reset(); }
  bool owns(net::nft::Family family, const std::string& name) const { return family_ == family && name_ == name; }

  size_t applies() const { return applies_; }
  const std::optional<net::nft::Table>& applied() const { return applied_; }

 private:
  net::NftablesEdge& edge_;
  std::optional<net::nft::Table> applied_;
  // What Remove() deletes: the table uplinkd owns even before this run applied one.
  std::optional<net::nft::Family> family_ = net::nft::Family::kInet;
  std::string name_ = "uplinkd";
  size_t applies_ = 0;
};

}  // namespace uplinkd::policy
