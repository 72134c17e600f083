#pragma once
// NftablesEdge for unit tests: validates like the real one and records the tables it holds.
#include <map>
#include <optional>
#include <utility>

#include "net/nftables_edge.h"

namespace uplinkd::net {

class FakeNftablesEdge : public NftablesEdge {
 public:
  Result<void> ApplyTable(const nft::Table& table) override;
  Result<void> DeleteTable(nft::Family family, const std::string& name) override;
  Result<bool> TableExists(nft::Family family, const std::string& name) override;

  // The table as last applied, or nullptr.
  const nft::Table* Find(nft::Family family, const std::string& name) const;
  // The next call fails with `error` and changes nothing (one shot).
  void FailNextCall(Error error) { injected_failure_ = std::move(error); }
  // Successful ApplyTable calls so far.
  int apply_count() const { return apply_count_; }

 private:
  std::map<std::pair<nft::Family, std::string>, nft::Table> tables_;
  std::optional<Error> injected_failure_;
  int apply_count_ = 0;
};

}  // namespace uplinkd::net
