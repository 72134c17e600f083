#include "net/fake_nftables_edge.h"

namespace uplinkd::net {

namespace {
Result<void> TakeFailure(std::optional<Error>& injected) {
  if (!injected) return {};
  Error error = std::move(*injected);
  injected.reset();
  return tl::unexpected<Error>(std::move(error));
}
}  // namespace

Result<void> FakeNftablesEdge::ApplyTable(const nft::Table& table) {
  if (auto failure = TakeFailure(injected_failure_); !failure) return failure;
  if (auto valid = table.Validate(); !valid) return valid;
  tables_[{table.family, table.name}] = table;
  ++apply_count_;
  return {};
}

Result<void> FakeNftablesEdge::DeleteTable(nft::Family family, const std::string& name) {
  if (auto failure = TakeFailure(injected_failure_); !failure) return failure;
  tables_.erase({family, name});
  return {};
}

Result<bool> FakeNftablesEdge::TableExists(nft::Family family, const std::string& name) {
  if (auto failure = TakeFailure(injected_failure_); !failure) return tl::unexpected(failure.error());
  return tables_.count({family, name}) > 0;
}

const nft::Table* FakeNftablesEdge::Find(nft::Family family, const std::string& name) const {
  auto it = tables_.find({family, name});
  return it == tables_.end() ? nullptr : &it->second;
}

}  // namespace uplinkd::net
