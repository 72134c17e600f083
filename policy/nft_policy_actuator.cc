#include "policy/nft_policy_actuator.h"

namespace uplinkd::policy {

Result<void> NftPolicyActuator::Apply(const net::nft::Table& table) {
  if (applied_ && *applied_ == table) return {};
  if (auto applied = edge_.ApplyTable(table); !applied) {
    applied_.reset();  // unknown state: the next Apply sends the whole table again
    return applied;
  }
  applied_ = table;
  family_ = table.family;
  name_ = table.name;
  ++applies_;
  return {};
}

Result<void> NftPolicyActuator::Remove() {
  applied_.reset();
  if (!family_) return {};
  return edge_.DeleteTable(*family_, name_);
}

}  // namespace uplinkd::policy
