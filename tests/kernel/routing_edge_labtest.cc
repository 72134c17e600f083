// The RoutingEdge contract on the real kernel: LibnlRoutingEdge in a fresh namespace per case.
#include <gtest/gtest.h>

#include "net/libnl_routing_edge.h"
#include "tests/kernel/lab_namespace.h"
#include "tests/unit/net/routing_edge_contract.h"

namespace uplinkd::net {
namespace {

// Links are veth pairs (this kernel has no dummy links); the carrier of one end is the admin
// state of its peer, which the harness drives through the edge itself.
class KernelRoutingEdgeHarness : public RoutingEdgeHarness {
 public:
  explicit KernelRoutingEdgeHarness(std::unique_ptr<LibnlRoutingEdge> edge) : edge_(std::move(edge)) {}
  RoutingEdge& edge() override { return *edge_; }

  int CreateLink(const std::string& name) override {
    std::string peer = name + "p";
    int status = lab::RunCommand("ip link add " + name + " type veth peer name " + peer);
    EXPECT_EQ(status, 0) << "ip link add " << name;
    auto link = edge_->GetLink(name);
    auto peer_link = edge_->GetLink(peer);
    EXPECT_TRUE(link && peer_link) << "veth " << name << " not visible";
    if (!link || !peer_link) return 0;
    peers_[link->index] = peer_link->index;
    return link->index;
  }

  void SetCarrier(int link_index, bool carrier) override {
    auto result = edge_->SetLinkUp(peers_.at(link_index), carrier);
    EXPECT_TRUE(result) << Describe(result.error());
  }

 private:
  std::unique_ptr<LibnlRoutingEdge> edge_;
  std::map<int, int> peers_;
};

std::unique_ptr<RoutingEdgeHarness> MakeKernelHarness() {
  if (!lab::EnterFreshNetworkNamespace()) {
    [] { GTEST_SKIP() << lab::LabUnavailableReason(); }();
    return nullptr;
  }
  auto edge = LibnlRoutingEdge::Create();
  EXPECT_TRUE(edge) << Describe(edge.error());
  if (!edge) return nullptr;
  return std::make_unique<KernelRoutingEdgeHarness>(std::move(*edge));
}

INSTANTIATE_TEST_SUITE_P(Kernel, RoutingEdgeContractTest,
                         ::testing::Values(NamedRoutingEdgeHarnessFactory{"Libnl", MakeKernelHarness}),
                         HarnessName);

}  // namespace
}  // namespace uplinkd::net
