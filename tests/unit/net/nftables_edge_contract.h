#pragma once
// The behaviour every NftablesEdge must have, run on FakeNftablesEdge (unit) and on LibnftnlEdge
// in a private network namespace (tests/kernel), where "listed" is nft's own listing.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "net/nftables_edge.h"

namespace uplinkd::net {

class NftablesEdgeHarness {
 public:
  virtual ~NftablesEdgeHarness() = default;
  virtual NftablesEdge& edge() = 0;
  // The table as the kernel (or the fake) holds it, rendered like `nft list table` without
  // counter values; nullopt if there is no such table.
  virtual std::optional<std::string> Listed(nft::Family family, const std::string& name) = 0;
};

struct NamedNftablesEdgeHarnessFactory {
  std::string name;
  std::function<std::unique_ptr<NftablesEdgeHarness>()> make;
};

inline void PrintTo(const NamedNftablesEdgeHarnessFactory& factory, std::ostream* out) { *out << factory.name; }

class NftablesEdgeContractTest : public ::testing::TestWithParam<NamedNftablesEdgeHarnessFactory> {
 protected:
  void SetUp() override {
    harness_ = GetParam().make();
    if (!harness_ && !IsSkipped()) FAIL() << "harness could not be made";
  }
  NftablesEdge& edge() { return harness_->edge(); }
  NftablesEdgeHarness& harness() { return *harness_; }

  std::unique_ptr<NftablesEdgeHarness> harness_;
};

inline std::string NftHarnessName(const ::testing::TestParamInfo<NamedNftablesEdgeHarnessFactory>& info) {
  return info.param.name;
}

}  // namespace uplinkd::net
