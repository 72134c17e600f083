#include "net/fake_routing_edge.h"

#include <gmock/gmock.h>

#include "tests/unit/net/routing_edge_contract.h"

namespace uplinkd::net {
namespace {

class FakeRoutingEdgeHarness : public RoutingEdgeHarness {
 public:
  RoutingEdge& edge() override { return fake_; }
  int CreateLink(const std::string& name) override { return fake_.AddLink(name); }
  void SetCarrier(int link_index, bool carrier) override { fake_.SetCarrier(link_index, carrier); }

 private:
  FakeRoutingEdge fake_;
};

INSTANTIATE_TEST_SUITE_P(Fake, RoutingEdgeContractTest,
                         ::testing::Values(NamedRoutingEdgeHarnessFactory{
                             "Fake", [] { return std::make_unique<FakeRoutingEdgeHarness>(); }}),
                         HarnessName);

IpPrefix P(const char* text) { return *IpPrefix::Parse(text); }

class RecordingListener : public FakeRoutingEdge::Listener {
 public:
  void OnLinkChanged(const Link& link, bool removed) override {
    links.push_back(link);
    link_removed.push_back(removed);
  }
  void OnAddressChanged(const InterfaceAddress& address, bool removed) override {
    addresses.push_back(address);
    address_removed.push_back(removed);
  }
  std::vector<Link> links;
  std::vector<bool> link_removed;
  std::vector<InterfaceAddress> addresses;
  std::vector<bool> address_removed;
};

TEST(FakeRoutingEdgeTest, InjectedFailureHitsOneCall) {
  FakeRoutingEdge fake;
  int index = fake.AddLink("wan0");
  fake.FailNextCall(Error{ErrorCode::kSystem, "boom", EIO});
  auto failed = fake.SetLinkUp(index, true);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().errno_value, EIO);
  EXPECT_FALSE(fake.GetLink("wan0")->admin_up);
  EXPECT_TRUE(fake.SetLinkUp(index, true));
  EXPECT_TRUE(fake.GetLink("wan0")->admin_up);
}

TEST(FakeRoutingEdgeTest, ChangeCountIgnoresNoOps) {
  FakeRoutingEdge fake;
  int index = fake.AddLink("wan0");
  ASSERT_TRUE(fake.SetLinkUp(index, true));
  ASSERT_TRUE(fake.SetLinkUp(index, true));
  InterfaceAddress address{.link_index = index, .prefix = P("100.64.0.2/30")};
  ASSERT_TRUE(fake.AddAddress(address));
  ASSERT_TRUE(fake.AddAddress(address));
  Route route{.table = 100, .destination = P("0.0.0.0/0"), .link_index = index};
  ASSERT_TRUE(fake.ReplaceRoute(route));
  ASSERT_TRUE(fake.ReplaceRoute(route));
  EXPECT_EQ(fake.change_count(), 3);
}

TEST(FakeRoutingEdgeTest, ListenerHearsWhatTheKernelWouldAnnounce) {
  FakeRoutingEdge fake;
  RecordingListener listener;
  fake.AddListener(&listener);
  int index = fake.AddLink("wan0");
  ASSERT_TRUE(fake.SetLinkUp(index, true));
  fake.SetCarrier(index, true);
  ASSERT_TRUE(fake.AddAddress({.link_index = index, .prefix = P("100.64.0.2/30")}));
  fake.RemoveLink(index);
  fake.RemoveListener(&listener);
  fake.AddLink("wan1");

  ASSERT_EQ(listener.links.size(), 4u);
  EXPECT_FALSE(listener.links[0].admin_up);
  EXPECT_TRUE(listener.links[1].admin_up);
  EXPECT_FALSE(listener.links[1].carrier);
  EXPECT_TRUE(listener.links[2].carrier);
  EXPECT_TRUE(listener.link_removed[3]);
  ASSERT_EQ(listener.addresses.size(), 2u);  // added, then gone with the link
  EXPECT_FALSE(listener.address_removed[0]);
  EXPECT_TRUE(listener.address_removed[1]);
}

TEST(FakeRoutingEdgeTest, RemovedLinkTakesItsRoutesAndAddresses) {
  FakeRoutingEdge fake;
  int index = fake.AddLink("wan0");
  ASSERT_TRUE(fake.SetLinkUp(index, true));
  ASSERT_TRUE(fake.AddAddress({.link_index = index, .prefix = P("100.64.0.2/30")}));
  ASSERT_TRUE(fake.ReplaceRoute({.table = 100, .destination = P("0.0.0.0/0"), .link_index = index}));
  fake.RemoveLink(index);
  EXPECT_TRUE(fake.ListRoutes(100, IpFamily::kV4)->empty());
  EXPECT_TRUE(fake.ListAddresses(0)->empty());
  EXPECT_EQ(fake.GetLink("wan0").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace uplinkd::net
