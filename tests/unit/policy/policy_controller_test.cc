// PolicyController on the fake kernel edges, a fake clock and fake probers: what the kernel holds
// after start, failover for each kind of fault, conntrack clean-up, reconcile and stop.
#include "policy/policy_controller.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include "base/fake_scheduler.h"
#include "net/fake_conntrack_edge.h"
#include "net/fake_nftables_edge.h"
#include "net/fake_routing_edge.h"
#include "net/fake_traffic_control_edge.h"
#include "policy/lane_planner.h"
#include "policy/health/fake_prober.h"

namespace uplinkd::policy {
namespace {

using namespace std::chrono_literals;

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }
net::IpPrefix Prefix(const char* text) { return *net::IpPrefix::Parse(text); }

class PolicyControllerTest : public ::testing::Test {
 protected:
  PolicyControllerTest() {
    wwan0_ = kernel_.AddLink("wwan0");
    wwan1_ = kernel_.AddLink("wwan1");
    lan0_ = kernel_.AddLink("lan0");
    for (auto [index, address] : {std::pair{wwan0_, "100.64.1.2/30"}, std::pair{wwan0_, "2001:db8:1::2/64"},
                                  std::pair{wwan1_, "100.64.2.2/30"}, std::pair{lan0_, "100.64.100.1/24"}}) {
      EXPECT_TRUE(kernel_.AddAddress({index, Prefix(address)}));
    }
    for (int index : {wwan0_, wwan1_, lan0_}) {
      EXPECT_TRUE(kernel_.SetLinkUp(index, true));
      kernel_.SetCarrier(index, true);
    }
    config_.wans.push_back(ModemWan("cell1", "modem1", 1, 101, 0x100, "203.0.113.10"));
    config_.wans.push_back(ModemWan("cell2", "modem2", 2, 102, 0x200, "203.0.113.11"));
    config_.lan_interfaces = {"lan0"};
    config_.hold_time = 5s;
  }

  static WanConfig ModemWan(const char* name, const char* modem, uint32_t priority, uint32_t table, uint32_t mark,
                            const char* target) {
    WanConfig wan;
    wan.name = name;
    wan.kind = WanKind::kModem;
    wan.modem = modem;
    wan.priority = priority;
    wan.table = table;
    wan.mark = mark;
    wan.masquerade = true;
    ProbeTarget probe;
    probe.kind = ProbeKind::kIcmp;
    probe.address = Ip(target);
    wan.health.targets = {probe};
    wan.health.up_rounds = 2;
    return wan;
  }

  void StartController() {
    PolicyController::Dependencies deps;
    deps.scheduler = &scheduler_;
    deps.routing = &kernel_;
    deps.nftables = &nft_;
    deps.conntrack = &conntrack_;
    deps.traffic_control = traffic_control_;
    deps.links = &links_;
    deps.bind_prober = [this](Prober&, const ProbeBinding& binding) { bindings_.push_back(binding); };
    deps.make_prober = [this](const WanConfig&, const ProbeBinding&) -> std::unique_ptr<Prober> {
      return std::make_unique<ProberView>(prober_);
    };
    controller_ = std::make_unique<PolicyController>(config_, deps, [this] { ++changes_; });
    controller_->Start();
    // The netlink snapshot, as the monitor reports it.
    auto links = *kernel_.ListLinks();
    for (const auto& link : links) FeedLink(Event(link));
    auto addresses = *kernel_.ListAddresses(0);
    for (const auto& address : addresses) FeedAddress({address.link_index, address.prefix, false});
    controller_->OnModemState(Modem("modem1", "wwan0", "100.64.1.2/30", "100.64.1.1", "2001:db8:1::2/64", "2001:db8:1::1"));
    controller_->OnModemState(Modem("modem2", "wwan1", "100.64.2.2/30", "100.64.2.1", nullptr, nullptr));
  }

  // As the daemon does: the one link table applies the event, the controller hears of a change.
  void FeedLink(const net::LinkEvent& event) {
    if (links_.Apply(event)) controller_->OnLink(event);
  }
  void FeedAddress(const net::AddressEvent& event) {
    if (links_.Apply(event)) controller_->OnAddress(event);
  }

  static net::LinkEvent Event(const net::Link& link) {
    return net::LinkEvent{link.index, link.name, link.admin_up, link.carrier, link.mtu, false};
  }

  static modem::ModemWanState Modem(const char* name, const char* interface, const char* v4, const char* gw4,
                                    const char* v6, const char* gw6) {
    modem::ModemWanState state;
    state.name = name;
    state.wan_up = true;
    state.bearer_connected = true;
    state.registration = modem::RegistrationState::kHome;
    state.signal_quality = 80;
    state.interface = interface;
    state.ipv4 = modem::BearerIpConfig{Prefix(v4), Ip(gw4), {}, 1500};
    if (v6) state.ipv6 = modem::BearerIpConfig{Prefix(v6), Ip(gw6), {}, 1500};
    return state;
  }

  // Lets every Wan share one FakeProber (targets differ per Wan).
  class ProberView : public Prober {
   public:
    explicit ProberView(FakeProber& prober) : prober_(prober) {}
    ProbeHandle Send(const ProbeTarget& target, Done done) override { return prober_.Send(target, std::move(done)); }

   private:
    FakeProber& prober_;
  };

  void Advance(std::chrono::milliseconds total) {
    for (auto step = 0ms; step < total; step += 10ms) scheduler_.AdvanceBy(10ms);
  }

  std::string AlertWan() const { return controller_->decision()->path(TrafficClass::kAlert).wans.front().wan; }
  std::vector<std::string> WansOf(TrafficClass traffic_class) const {
    std::vector<std::string> names;
    for (const auto& wan : controller_->decision()->path(traffic_class).wans) names.push_back(wan.wan);
    return names;
  }

  const net::nft::Table& Table() const {
    const net::nft::Table* table = nft_.Find(net::nft::Family::kInet, "uplinkd");
    EXPECT_NE(table, nullptr);
    return *table;
  }

  // The Wan mark the `paths` chain gives the alert class.
  uint32_t AlertMark() const { return MarkOf(TrafficClass::kAlert); }
  uint32_t MarkOf(TrafficClass traffic_class) const {
    const auto* paths = Table().FindChain("paths");
    for (const auto& rule : paths->rules) {
      const auto* match = std::get_if<net::nft::MatchMark>(&rule.matches.front());
      if (match && match->value == ClassMark(traffic_class) && rule.matches.size() == 1) {
        return std::get<net::nft::SetMark>(rule.statements.front()).value;
      }
    }
    return 0;
  }

  std::vector<net::Rule> OwnRules(net::IpFamily family) {
    std::vector<net::Rule> own;
    auto rules = *kernel_.ListRules(family);
    for (const auto& rule : rules) {
      if (rule.protocol == net::kUplinkdProtocol) own.push_back(rule);
    }
    return own;
  }

  bool HasDefaultVia(uint32_t table, net::IpFamily family, const char* gateway) {
    auto routes = *kernel_.ListRoutes(table, family);
    for (const auto& route : routes) {
      if (route.type == net::RouteType::kUnicast && route.gateway == Ip(gateway)) return true;
    }
    return false;
  }

  FakeScheduler scheduler_;
  net::FakeRoutingEdge kernel_;
  net::FakeNftablesEdge nft_;
  net::FakeConntrackEdge conntrack_;
  net::FakeTrafficControlEdge tc_;
  net::TrafficControlEdge* traffic_control_ = nullptr;  // tests with lanes point it at tc_
  FakeProber prober_{scheduler_};
  PolicyConfig config_;
  net::LinkTable links_;
  std::unique_ptr<PolicyController> controller_;
  int wwan0_ = 0, wwan1_ = 0, lan0_ = 0;
  int changes_ = 0;
  std::vector<ProbeBinding> bindings_;
};

TEST_F(PolicyControllerTest, StartInstallsTablesRulesAndTheNftTable) {
  StartController();
  Advance(2s);
  EXPECT_EQ(AlertWan(), "cell1");
  EXPECT_TRUE(HasDefaultVia(101, net::IpFamily::kV4, "100.64.1.1"));
  EXPECT_TRUE(HasDefaultVia(101, net::IpFamily::kV6, "2001:db8:1::1"));
  EXPECT_TRUE(HasDefaultVia(102, net::IpFamily::kV4, "100.64.2.1"));
  EXPECT_FALSE(HasDefaultVia(102, net::IpFamily::kV6, "2001:db8:2::1"));  // cell2 has no IPv6
  // Every table ends in unreachable, so marked traffic never leaks to another Wan.
  for (uint32_t table : {101u, 102u}) {
    for (auto family : {net::IpFamily::kV4, net::IpFamily::kV6}) {
      auto routes = *kernel_.ListRoutes(table, family);
      EXPECT_TRUE(std::any_of(routes.begin(), routes.end(),
                              [](const net::Route& r) { return r.type == net::RouteType::kUnreachable; }));
    }
  }
  std::vector<std::string> rules;
  for (const auto& rule : OwnRules(net::IpFamily::kV4)) rules.push_back(net::ToString(rule));
  ASSERT_EQ(rules.size(), 6u) << ::testing::PrintToString(rules);
  auto v4 = OwnRules(net::IpFamily::kV4);
  EXPECT_EQ(v4[0].priority, kRulePriorityLan);
  EXPECT_EQ(v4[0].destination, Prefix("100.64.100.0/24"));
  EXPECT_EQ(v4[0].table, net::kMainTable);
  EXPECT_EQ(v4[1].priority, kRulePriorityFwmark + 1);
  EXPECT_EQ(v4[1].fwmark, 0x100u);
  EXPECT_EQ(v4[1].fwmask, kWanMarkMask);
  EXPECT_EQ(v4[1].table, 101u);
  EXPECT_EQ(v4[3].priority, kRulePrioritySource + 1);
  EXPECT_EQ(v4[3].source, Prefix("100.64.1.2/32"));
  EXPECT_EQ(v4[5].priority, kRulePriorityFallback);
  EXPECT_EQ(v4[5].table, 101u);
  const auto& table = Table();
  EXPECT_TRUE(table.Validate()) << table.ToString();
  EXPECT_EQ(AlertMark(), 0x100u);
  EXPECT_NE(table.ToString().find("oifname \"wwan0\" masquerade"), std::string::npos) << table.ToString();
  EXPECT_NE(table.ToString().find("iifname \"lan0\" jump mark_lan"), std::string::npos) << table.ToString();
  auto wans = controller_->WanStatuses();
  EXPECT_EQ(wans[0].health.state, WanHealthState::kUp);
  EXPECT_EQ(wans[0].table, 101u);
  EXPECT_EQ(wans[1].mark, 0x200u);
  auto paths = controller_->Paths();
  ASSERT_TRUE(paths);
  EXPECT_EQ(paths->classes[Index(TrafficClass::kAlert)].wans.front().wan, "cell1");
  // Each prober was bound to its Wan's interface, mark and addresses once they were known.
  auto bound = [&](const char* interface, uint32_t mark, const char* address) {
    return std::any_of(bindings_.begin(), bindings_.end(), [&](const ProbeBinding& b) {
      return b.interface == interface && b.mark == mark && b.source_v4 == Ip(address);
    });
  };
  EXPECT_TRUE(bound("wwan0", 0x100, "100.64.1.2"));
  EXPECT_TRUE(bound("wwan1", 0x200, "100.64.2.2"));
}

TEST_F(PolicyControllerTest, BlackholeFailsOverWithinASecondAndCleansOnlyThatWansFlows) {
  StartController();
  Advance(3s);
  ASSERT_EQ(AlertWan(), "cell1");
  conntrack_.AddEntry(1, 0x100 | ClassMark(TrafficClass::kAlert));
  conntrack_.AddEntry(2, 0x200 | ClassMark(TrafficClass::kBulk));
  conntrack_.AddEntry(3, 0x100 | ClassMark(TrafficClass::kBulk));
  conntrack_.AddEntry(4, 0);  // not uplinkd's
  prober_.SetBehaviour(Ip("203.0.113.10"), FakeProber::Silent());
  auto blackholed_at = scheduler_.Now();
  while (AlertWan() == "cell1" && scheduler_.Now() - blackholed_at < 5s) scheduler_.AdvanceBy(10ms);
  EXPECT_EQ(AlertWan(), "cell2");
  EXPECT_LT(scheduler_.Now() - blackholed_at, 1500ms);
  EXPECT_EQ(AlertMark(), 0x200u);
  EXPECT_EQ(conntrack_.entries().size(), 2u);
  EXPECT_TRUE(conntrack_.entries().count(2));
  EXPECT_TRUE(conntrack_.entries().count(4));
  EXPECT_EQ(conntrack_.deletions().back(), (net::FakeConntrackEdge::Deletion{0x100, kWanMarkMask}));
  // The dead Wan keeps its route, so its probes can see it recover; failback after the hold.
  EXPECT_TRUE(HasDefaultVia(101, net::IpFamily::kV4, "100.64.1.1"));
  prober_.SetBehaviour(Ip("203.0.113.10"), FakeProber::Answer());
  Advance(15s);
  EXPECT_EQ(AlertWan(), "cell1");
  EXPECT_EQ(AlertMark(), 0x100u);
}

// The alternating flap: cell1 fails and recovers, but its hold keeps it Down; then cell2 fails.
// cell1 answers every probe, so it carries traffic at once instead of after its hold.
TEST_F(PolicyControllerTest, AHeldDownWanThatAnswersTakesOverWhenTheOtherDies) {
  for (auto& wan : config_.wans) wan.health.min_hold = 10s;
  StartController();
  Advance(3s);
  ASSERT_EQ(AlertWan(), "cell1");
  prober_.SetBehaviour(Ip("203.0.113.10"), FakeProber::Silent());
  Advance(1500ms);
  ASSERT_EQ(AlertWan(), "cell2");
  prober_.SetBehaviour(Ip("203.0.113.10"), FakeProber::Answer());
  Advance(3s);  // two good recovery rounds: answering, held down for 10 s
  auto wans = controller_->WanStatuses();
  ASSERT_EQ(wans[0].health.state, WanHealthState::kDown) << wans[0].health.reason;
  ASSERT_EQ(AlertWan(), "cell2");  // a better Wan exists: the hold keeps traffic off cell1
  conntrack_.AddEntry(7, 0x200 | ClassMark(TrafficClass::kAlert));
  prober_.SetBehaviour(Ip("203.0.113.11"), FakeProber::Silent());
  auto failed_at = scheduler_.Now();
  while (AlertWan() == "cell2" && scheduler_.Now() - failed_at < 8s) scheduler_.AdvanceBy(10ms);
  EXPECT_EQ(AlertWan(), "cell1");
  EXPECT_LT(scheduler_.Now() - failed_at, 1500ms);
  wans = controller_->WanStatuses();
  EXPECT_EQ(wans[0].health.state, WanHealthState::kDown);  // still held, and carrying traffic
  EXPECT_TRUE(wans[0].usable);
  EXPECT_FALSE(wans[1].usable);
  EXPECT_EQ(AlertMark(), 0x100u);
  EXPECT_FALSE(conntrack_.entries().count(7));  // cell2's flows re-route
}

// Someone else removes what uplinkd put into the kernel: its nftables table (`nft -f` with
// `flush ruleset`) or its rules (`ip rule flush`). uplinkd puts them back; its own removals
// and other tables are no drift.
TEST_F(PolicyControllerTest, DriftInNftablesAndRulesIsRepaired) {
  StartController();
  Advance(2s);
  auto rules = OwnRules(net::IpFamily::kV4);
  ASSERT_EQ(rules.size(), 6u);
  int applies = nft_.apply_count();
  // Another table changed: nothing to do.
  controller_->OnNftablesChanged({net::nft::Family::kInet, "firewall"});
  EXPECT_EQ(nft_.apply_count(), applies);
  EXPECT_EQ(controller_->drift_repairs(), 0u);
  // flush ruleset: the table is gone, and comes back at once.
  ASSERT_TRUE(nft_.DeleteTable(net::nft::Family::kInet, "uplinkd"));
  controller_->OnNftablesChanged({net::nft::Family::kInet, "uplinkd"});
  ASSERT_NE(nft_.Find(net::nft::Family::kInet, "uplinkd"), nullptr);
  EXPECT_EQ(AlertMark(), 0x100u);
  EXPECT_EQ(controller_->drift_repairs(), 1u);
  // Lost notifications: applied again too.
  controller_->OnNftablesChanged({});
  EXPECT_EQ(nft_.apply_count(), applies + 2);
  // ip rule flush: every rule goes, one event each; one repair after the burst.
  for (auto family : {net::IpFamily::kV4, net::IpFamily::kV6}) {
    for (const auto& rule : OwnRules(family)) {
      ASSERT_TRUE(kernel_.RemoveRule(rule));
      controller_->OnOwnedRoutingRemoved({net::OwnedRoutingRemovedEvent::Kind::kRule, family, rule.table, rule.priority});
    }
  }
  EXPECT_TRUE(OwnRules(net::IpFamily::kV4).empty());
  Advance(100ms);
  EXPECT_EQ(OwnRules(net::IpFamily::kV4), rules);
  EXPECT_EQ(controller_->drift_repairs(), 3u);
  // A removal that was our own (nothing missing now): no repair counted.
  controller_->OnOwnedRoutingRemoved({net::OwnedRoutingRemovedEvent::Kind::kRule, net::IpFamily::kV4, 101, 19999});
  controller_->OnNetlinkResynced();
  Advance(100ms);
  EXPECT_EQ(controller_->drift_repairs(), 3u);
  // A route deleted by hand comes back as well.
  ASSERT_TRUE(kernel_.RemoveRoute({.table = 101, .destination = Prefix("0.0.0.0/0"), .gateway = Ip("100.64.1.1"),
                                   .link_index = wwan0_, .metric = kWanRouteMetric}));
  ASSERT_FALSE(HasDefaultVia(101, net::IpFamily::kV4, "100.64.1.1"));
  controller_->OnOwnedRoutingRemoved({net::OwnedRoutingRemovedEvent::Kind::kRoute, net::IpFamily::kV4, 101, kWanRouteMetric});
  Advance(100ms);
  EXPECT_TRUE(HasDefaultVia(101, net::IpFamily::kV4, "100.64.1.1"));
  EXPECT_EQ(controller_->drift_repairs(), 4u);
  // After Stop, removals are no drift.
  controller_->Stop();
  controller_->OnNftablesChanged({net::nft::Family::kInet, "uplinkd"});
  EXPECT_EQ(nft_.Find(net::nft::Family::kInet, "uplinkd"), nullptr);
}

TEST_F(PolicyControllerTest, LinkDownFailsOverAtOnceAndRoutesComeBackWithTheLink) {
  StartController();
  Advance(3s);
  ASSERT_EQ(AlertWan(), "cell1");
  ASSERT_TRUE(kernel_.SetLinkUp(wwan0_, false));  // the kernel drops wwan0's routes
  FeedLink(Event(*kernel_.GetLink("wwan0")));
  EXPECT_EQ(AlertWan(), "cell2");  // no clock advance needed
  EXPECT_FALSE(HasDefaultVia(101, net::IpFamily::kV4, "100.64.1.1"));
  ASSERT_TRUE(kernel_.SetLinkUp(wwan0_, true));
  FeedLink(Event(*kernel_.GetLink("wwan0")));
  EXPECT_TRUE(HasDefaultVia(101, net::IpFamily::kV4, "100.64.1.1"));
  EXPECT_TRUE(HasDefaultVia(101, net::IpFamily::kV6, "2001:db8:1::1"));
}

// The one typed output for what rides a Wan: a subscriber hears the endpoints at once, then only
// when they change (not on every evaluation), and nothing once its handle is gone.
TEST_F(PolicyControllerTest, EndpointSubscribersHearEachChangeOnce) {
  StartController();
  Advance(3s);
  std::vector<std::vector<WanEndpoints>> heard;
  auto subscription = controller_->SubscribeEndpoints([&](const std::vector<WanEndpoints>& wans) { heard.push_back(wans); });
  ASSERT_EQ(heard.size(), 1u);
  ASSERT_EQ(heard[0].size(), 2u);
  EXPECT_TRUE(heard[0][0].usable);
  EXPECT_TRUE(heard[0][0].IsFirstFor(TrafficClass::kAlert));
  EXPECT_EQ(heard[0][0].interface, "wwan0");
  EXPECT_EQ(heard[0][1].table, 102u);
  Advance(3s);  // health samples: evaluations, but the same endpoints
  EXPECT_EQ(heard.size(), 1u);

  ASSERT_TRUE(kernel_.SetLinkUp(wwan0_, false));
  FeedLink(Event(*kernel_.GetLink("wwan0")));
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_FALSE(heard[1][0].usable);
  EXPECT_FALSE(heard[1][0].IsFirstFor(TrafficClass::kAlert));
  EXPECT_TRUE(heard[1][1].IsFirstFor(TrafficClass::kAlert));

  subscription.Reset();
  ASSERT_TRUE(kernel_.SetLinkUp(wwan0_, true));
  FeedLink(Event(*kernel_.GetLink("wwan0")));
  Advance(3s);
  EXPECT_EQ(heard.size(), 2u);
}

TEST_F(PolicyControllerTest, BearerDropFailsOverAtOnce) {
  StartController();
  Advance(3s);
  ASSERT_EQ(AlertWan(), "cell1");
  conntrack_.AddEntry(1, 0x100);
  auto dropped = Modem("modem1", "wwan0", "100.64.1.2/30", "100.64.1.1", nullptr, nullptr);
  dropped.wan_up = false;
  dropped.bearer_connected = false;
  dropped.ipv4.reset();
  controller_->OnModemState(dropped);
  EXPECT_EQ(AlertWan(), "cell2");
  EXPECT_TRUE(conntrack_.entries().empty());
  EXPECT_EQ(controller_->WanStatuses()[0].health.state, WanHealthState::kDown);
  // Without its bearer the Wan has no address: its source rule and default route go.
  for (const auto& rule : OwnRules(net::IpFamily::kV4)) EXPECT_NE(rule.source, Prefix("100.64.1.2/32"));
  EXPECT_FALSE(HasDefaultVia(101, net::IpFamily::kV4, "100.64.1.1"));
}

TEST_F(PolicyControllerTest, StartReplacesWhatACrashedPredecessorLeftAndStopRemovesEverything) {
  // A predecessor with another configuration: a rule to table 150, a route there, its nft table.
  net::Rule stale_rule;
  stale_rule.priority = 11005;
  stale_rule.table = 150;
  stale_rule.fwmark = 0x500;
  stale_rule.fwmask = 0xff00;
  ASSERT_TRUE(kernel_.AddRule(stale_rule));
  net::Route stale_route;
  stale_route.table = 150;
  stale_route.destination = net::IpPrefix::Default(net::IpFamily::kV4);
  stale_route.gateway = Ip("100.64.2.1");
  stale_route.link_index = wwan1_;
  ASSERT_TRUE(kernel_.ReplaceRoute(stale_route));
  net::nft::Table old_table;
  old_table.name = "uplinkd";
  old_table.chains.push_back({"old", std::nullopt, {}});
  ASSERT_TRUE(nft_.ApplyTable(old_table));
  // An administrator's rule (another protocol) must survive both start and stop.
  net::Rule admin_rule;
  admin_rule.priority = 500;
  admin_rule.table = 200;
  admin_rule.protocol = 4;  // RTPROT_STATIC
  ASSERT_TRUE(kernel_.AddRule(admin_rule));

  StartController();
  Advance(2s);
  for (const auto& rule : OwnRules(net::IpFamily::kV4)) EXPECT_NE(rule.table, 150u) << net::ToString(rule);
  EXPECT_TRUE(kernel_.ListRoutes(150, net::IpFamily::kV4)->empty());
  EXPECT_EQ(Table().FindChain("old"), nullptr);

  controller_->Stop();
  EXPECT_TRUE(OwnRules(net::IpFamily::kV4).empty());
  EXPECT_TRUE(OwnRules(net::IpFamily::kV6).empty());
  for (uint32_t table : {101u, 102u}) {
    EXPECT_TRUE(kernel_.ListRoutes(table, net::IpFamily::kV4)->empty());
    EXPECT_TRUE(kernel_.ListRoutes(table, net::IpFamily::kV6)->empty());
  }
  EXPECT_EQ(nft_.Find(net::nft::Family::kInet, "uplinkd"), nullptr);
  auto rules = *kernel_.ListRules(net::IpFamily::kV4);
  EXPECT_TRUE(std::any_of(rules.begin(), rules.end(), [](const net::Rule& r) { return r.priority == 500; }));
}

TEST_F(PolicyControllerTest, AWanWithoutProbeTargetsFollowsItsLinkAndBearer) {
  for (auto& wan : config_.wans) wan.health.targets.clear();
  StartController();
  EXPECT_EQ(AlertWan(), "cell1");
  EXPECT_EQ(controller_->WanStatuses()[0].health.state, WanHealthState::kUp);
  kernel_.SetCarrier(wwan0_, false);
  FeedLink(Event(*kernel_.GetLink("wwan0")));
  EXPECT_EQ(AlertWan(), "cell2");
}

// Lanes: cell1 has [wan.shaping], cell2 none. The kernel gets cell1's tree at the nominal rate,
// the nft table maps classes to its lanes, the relay's pins name each Wan's address.
TEST_F(PolicyControllerTest, LanesAreInstalledPerShapedWanWithPinsAndEndpoints) {
  config_.wans[0].shaping = WanShaping{1000, 250};
  config_.local_pins = {{IPPROTO_TCP, 8883, TrafficClass::kAlert}};
  traffic_control_ = &tc_;
  // A predecessor's tree on wwan1, which has no lanes now.
  LaneInputs stale;
  stale.interface = "wwan1";
  stale.rate_kbit = 500;
  ASSERT_TRUE(tc_.ApplyHtb(LanePlanner::Plan(stale).tree));
  StartController();
  Advance(2s);
  auto tree = *tc_.ReadHtb("wwan0", 0x55);
  ASSERT_TRUE(tree);
  EXPECT_EQ(tree->rate_bps, 1000000u);
  EXPECT_EQ(tree->default_minor, 0x20);
  ASSERT_EQ(tree->lanes.size(), 4u);
  for (const auto& lane : tree->lanes) EXPECT_EQ(lane.ceil_bps, 1000000u);
  EXPECT_EQ(*tc_.ReadHtb("wwan1", 0x55), std::nullopt);

  const auto& table = Table();
  ASSERT_TRUE(table.Validate()) << table.ToString();
  const auto* lanes = table.FindChain("lanes");
  ASSERT_NE(lanes, nullptr);
  EXPECT_EQ(lanes->rules.size(), 4u);  // wwan0 only
  std::string output = table.ToString();
  EXPECT_NE(output.find("ip saddr 100.64.1.2 tcp dport 8883"), std::string::npos) << output;
  EXPECT_NE(output.find("ip saddr 100.64.2.2 tcp dport 8883"), std::string::npos) << output;
  EXPECT_NE(output.find("ip6 saddr 2001:db8:1::2 tcp dport 8883"), std::string::npos) << output;

  auto wans = controller_->WanStatuses();
  ASSERT_TRUE(wans[0].lanes);
  const LaneStatus& lane_status = *wans[0].lanes;
  EXPECT_EQ(lane_status.rate_kbit, 1000u);
  EXPECT_EQ(lane_status.level, LaneLevel::kNormal);
  ASSERT_EQ(lane_status.classes.size(), 4u);
  const LaneClassStatus& bulk = lane_status.classes[Index(TrafficClass::kBulk)];
  EXPECT_EQ(bulk.traffic_class, TrafficClass::kBulk);
  EXPECT_EQ(bulk.major, 0x55);
  EXPECT_EQ(bulk.minor, 0x40);
  EXPECT_EQ(bulk.ceil_kbit, 1000u);
  auto alert_packets = [&] {
    auto counters = controller_->WanStatuses()[0].lanes->classes[Index(TrafficClass::kAlert)].counters;
    return counters ? counters->packets : 99999u;
  };
  EXPECT_EQ(alert_packets(), 0u);
  EXPECT_FALSE(wans[1].lanes);
  // Counters come from the kernel at most every 2 s, however often state is published.
  ASSERT_TRUE(tc_.SetCounters("wwan0", 0x55, {0x10, 3000, 2, 0, 0}));
  EXPECT_EQ(alert_packets(), 0u);
  Advance(2s);
  EXPECT_EQ(alert_packets(), 2u);

  auto endpoints = controller_->Endpoints();
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_EQ(endpoints[0], (WanEndpoints{"cell1", "wwan0", Ip("100.64.1.2"), Ip("2001:db8:1::2"), 0x100, 101, true,
                                        false, {kTrafficClasses.begin(), kTrafficClasses.end()}}));
  EXPECT_EQ(endpoints[1], (WanEndpoints{"cell2", "wwan1", Ip("100.64.2.2"), std::nullopt, 0x200, 102, true, false, {}}));

  controller_->Stop();
  EXPECT_EQ(*tc_.ReadHtb("wwan0", 0x55), std::nullopt);
  EXPECT_EQ(tc_.RootQdiscKind("wwan0"), std::nullopt);
}

// Queueing on cell1 (RTT from 20 to 400 ms): the shaper backs off to min, health turns degraded,
// bulk and then telemetry are capped; when the queue drains the caps go and the rate climbs back.
TEST_F(PolicyControllerTest, LanesFollowQueueingDelayAndRecover) {
  config_.wans[0].shaping = WanShaping{1000, 250};
  traffic_control_ = &tc_;
  StartController();
  Advance(5s);
  ASSERT_EQ((*tc_.ReadHtb("wwan0", 0x55))->rate_bps, 1000000u);
  prober_.SetBehaviour(Ip("203.0.113.10"), FakeProber::Answer(400ms));
  auto level = [&] {
    auto lanes = controller_->WanStatuses()[0].lanes;
    return lanes && lanes->level ? LaneLevelName(*lanes->level) : "none";
  };
  auto started = scheduler_.Now();
  while (std::string(level()) != "severe" && scheduler_.Now() - started < 120s) Advance(100ms);
  ASSERT_STREQ(level(), "severe");
  auto tree = **tc_.ReadHtb("wwan0", 0x55);
  uint64_t rate = tree.rate_bps;
  EXPECT_LT(rate, 1000000u);
  EXPECT_EQ(tree.lanes[0].ceil_bps, rate);             // alert: the whole rate
  EXPECT_EQ(tree.lanes[1].ceil_bps, rate);             // management
  EXPECT_EQ(tree.lanes[2].ceil_bps, rate * 50 / 100);  // telemetry capped
  EXPECT_EQ(tree.lanes[3].ceil_bps, rate * 10 / 100);  // bulk capped
  EXPECT_TRUE(controller_->WanStatuses()[0].health.degraded);

  prober_.SetBehaviour(Ip("203.0.113.10"), FakeProber::Answer(20ms));
  started = scheduler_.Now();
  while ((std::string(level()) != "normal" || (*tc_.ReadHtb("wwan0", 0x55))->rate_bps < 1000000u) &&
         scheduler_.Now() - started < 300s) {
    Advance(100ms);
  }
  EXPECT_STREQ(level(), "normal");
  tree = **tc_.ReadHtb("wwan0", 0x55);
  EXPECT_EQ(tree.rate_bps, 1000000u);
  EXPECT_EQ(tree.lanes[3].ceil_bps, 1000000u);
}

// No traffic-control edge: no HTB, and no nft chain that would pick HTB classes.
TEST_F(PolicyControllerTest, NoTrafficControlEdgeMeansNoLanes) {
  config_.wans[0].shaping = WanShaping{1000, 250};
  StartController();
  Advance(2s);
  EXPECT_EQ(Table().FindChain("lanes"), nullptr);
  EXPECT_FALSE(controller_->WanStatuses()[0].lanes);
}

// ---- operator actions ----

// `wan down cell1`: every class leaves cell1 in the same decision (no clock advance, no hold),
// the nft table and the fallback rule follow, cell1's flows are forgotten; `wan up` brings it back.
TEST_F(PolicyControllerTest, WanDownMovesEveryClassInOneDecisionAndWanUpBringsItBack) {
  config_.classes[Index(TrafficClass::kBulk)].mode = PathMode::kBalance;
  StartController();
  Advance(6s);  // bulk's balance takes cell2 in once both are proven, after the hold time
  ASSERT_EQ(AlertWan(), "cell1");
  ASSERT_EQ(WansOf(TrafficClass::kBulk), (std::vector<std::string>{"cell1", "cell2"}));
  conntrack_.AddEntry(1, 0x100 | ClassMark(TrafficClass::kAlert));
  conntrack_.AddEntry(2, 0x200 | ClassMark(TrafficClass::kBulk));
  int changes = changes_;

  ASSERT_TRUE(controller_->SetAdministrativeState("cell1", false));
  EXPECT_GT(changes_, changes);
  for (auto traffic_class : kTrafficClasses) {
    EXPECT_EQ(WansOf(traffic_class), std::vector<std::string>{"cell2"}) << TrafficClassName(traffic_class);
    EXPECT_EQ(MarkOf(traffic_class), 0x200u) << TrafficClassName(traffic_class);
  }
  EXPECT_TRUE(Table().Validate());
  EXPECT_EQ(OwnRules(net::IpFamily::kV4).back().table, 102u);  // the fallback follows the default class
  EXPECT_EQ(conntrack_.entries().size(), 1u);
  EXPECT_TRUE(conntrack_.entries().count(2));
  auto wans = controller_->WanStatuses();
  EXPECT_FALSE(wans[0].admin_up);
  EXPECT_EQ(wans[0].health.reason, "administratively down");
  EXPECT_FALSE(wans[0].usable);
  EXPECT_EQ(wans[0].health.state, WanHealthState::kUp);  // probes go on, so its health is known when it comes back
  EXPECT_TRUE(wans[1].admin_up);
  EXPECT_EQ(controller_->AdministrativeStates(),
            (std::vector<WanAdministrativeState>{{"cell1", false}, {"cell2", true}}));
  EXPECT_FALSE(controller_->AdministrativelyUp("cell1"));
  EXPECT_FALSE(controller_->Endpoints()[0].usable);
  // Still down a while later, however healthy it is; saying it twice is no error.
  Advance(10s);
  EXPECT_EQ(AlertWan(), "cell2");
  ASSERT_TRUE(controller_->SetAdministrativeState("cell1", false));

  ASSERT_TRUE(controller_->SetAdministrativeState("cell1", true));
  EXPECT_TRUE(controller_->AdministrativelyUp("cell1"));
  EXPECT_TRUE(controller_->WanStatuses()[0].admin_up);
  EXPECT_TRUE(controller_->WanStatuses()[0].usable);
  EXPECT_TRUE(controller_->Endpoints()[0].usable);
  // Failback after the hold time, as after any recovery.
  Advance(6s);
  EXPECT_EQ(AlertWan(), "cell1");
  EXPECT_EQ(AlertMark(), 0x100u);
  EXPECT_EQ(WansOf(TrafficClass::kBulk), (std::vector<std::string>{"cell1", "cell2"}));
}

// A class pinned for 5 s rides the pinned Wan at once and returns by itself when the pin expires.
TEST_F(PolicyControllerTest, APinTakesEffectAtOnceAndExpiresByItself) {
  StartController();
  Advance(3s);
  ASSERT_EQ(WansOf(TrafficClass::kManagement), std::vector<std::string>{"cell1"});
  SteadyTime pinned_at = scheduler_.Now();
  ASSERT_TRUE(controller_->PinClass(TrafficClass::kManagement, "cell2", 5s));
  EXPECT_EQ(WansOf(TrafficClass::kManagement), std::vector<std::string>{"cell2"});
  EXPECT_EQ(MarkOf(TrafficClass::kManagement), 0x200u);
  EXPECT_EQ(AlertWan(), "cell1");
  auto pins = controller_->Pins();
  ASSERT_EQ(pins.size(), 1u);
  EXPECT_EQ(pins[0], (ClassPinStatus{TrafficClass::kManagement, "cell2", pinned_at + 5s, 5s, true}));
  auto paths = controller_->Paths();
  ASSERT_TRUE(paths);
  EXPECT_EQ(paths->classes[Index(TrafficClass::kManagement)].pin, pins[0]);
  EXPECT_FALSE(paths->classes[Index(TrafficClass::kAlert)].pin);

  Advance(4990ms);
  ASSERT_EQ(controller_->Pins().size(), 1u);
  EXPECT_EQ(controller_->Pins()[0].remaining, 1s);  // rounded up
  EXPECT_EQ(WansOf(TrafficClass::kManagement), std::vector<std::string>{"cell2"});
  int changes = changes_;
  Advance(10ms);
  EXPECT_EQ(scheduler_.Now(), pinned_at + 5s);
  EXPECT_TRUE(controller_->Pins().empty());
  EXPECT_GT(changes_, changes);
  // Back at once: the end of a pin is not held.
  EXPECT_EQ(WansOf(TrafficClass::kManagement), std::vector<std::string>{"cell1"});
  EXPECT_EQ(MarkOf(TrafficClass::kManagement), 0x100u);
  EXPECT_FALSE(controller_->Paths()->classes[Index(TrafficClass::kManagement)].pin);
}

TEST_F(PolicyControllerTest, APinToAnUnusableWanIsInactiveAndUnpinEndsItAtOnce) {
  StartController();
  Advance(3s);
  ASSERT_TRUE(controller_->SetAdministrativeState("cell2", false));
  ASSERT_TRUE(controller_->PinClass(TrafficClass::kBulk, "cell2", std::chrono::hours(1)));
  EXPECT_EQ(WansOf(TrafficClass::kBulk), std::vector<std::string>{"cell1"});
  ASSERT_EQ(controller_->Pins().size(), 1u);
  EXPECT_FALSE(controller_->Pins()[0].active);
  EXPECT_FALSE(controller_->Paths()->classes[Index(TrafficClass::kBulk)].pin->active);
  // Usable again: the pin is in force at once.
  ASSERT_TRUE(controller_->SetAdministrativeState("cell2", true));
  EXPECT_EQ(WansOf(TrafficClass::kBulk), std::vector<std::string>{"cell2"});
  EXPECT_TRUE(controller_->Pins()[0].active);
  // A new pin of the same class replaces the old one (and its expiry).
  ASSERT_TRUE(controller_->PinClass(TrafficClass::kBulk, "cell1", 2s));
  ASSERT_EQ(controller_->Pins().size(), 1u);
  EXPECT_EQ(controller_->Pins()[0].wan, "cell1");
  EXPECT_EQ(WansOf(TrafficClass::kBulk), std::vector<std::string>{"cell1"});
  ASSERT_TRUE(controller_->PinClass(TrafficClass::kBulk, "cell2", 60s));
  ASSERT_TRUE(controller_->UnpinClass(TrafficClass::kBulk));
  EXPECT_TRUE(controller_->Pins().empty());
  EXPECT_EQ(WansOf(TrafficClass::kBulk), std::vector<std::string>{"cell1"});
  // The replaced and the removed pins' timers are gone: nothing fires later.
  Advance(61s);
  EXPECT_EQ(WansOf(TrafficClass::kBulk), std::vector<std::string>{"cell1"});
}

TEST_F(PolicyControllerTest, RefusedOperatorActionsChangeNothing) {
  StartController();
  Advance(3s);
  ASSERT_TRUE(controller_->PinClass(TrafficClass::kAlert, "cell1", 1s));  // the bounds themselves are fine
  ASSERT_TRUE(controller_->PinClass(TrafficClass::kAlert, "cell1", PolicyController::kMaxPinDuration));
  ASSERT_TRUE(controller_->UnpinClass(TrafficClass::kAlert));
  Decision before = *controller_->decision();
  std::string table = Table().ToString();
  int changes = changes_;
  auto expect_refused = [&](Result<void> result, ErrorCode code, const std::string& words) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_NE(result.error().message.find(words), std::string::npos) << result.error().message;
    EXPECT_EQ(*controller_->decision(), before);
    EXPECT_EQ(Table().ToString(), table);
    EXPECT_EQ(changes_, changes);
    EXPECT_TRUE(controller_->Pins().empty());
    EXPECT_EQ(controller_->AdministrativeStates(),
              (std::vector<WanAdministrativeState>{{"cell1", true}, {"cell2", true}}));
  };
  expect_refused(controller_->SetAdministrativeState("cell9", false), ErrorCode::kNotFound, "\"cell9\"");
  expect_refused(controller_->SetAdministrativeState("cell1\n\x1b[2J", false), ErrorCode::kNotFound, "\\n");
  expect_refused(controller_->PinClass(TrafficClass::kAlert, "cell9", 60s), ErrorCode::kNotFound, "\"cell9\"");
  expect_refused(controller_->PinClass(TrafficClass::kAlert, "cell2", 0s), ErrorCode::kInvalidArgument, "not 0 s");
  expect_refused(controller_->PinClass(TrafficClass::kAlert, "cell2", -5s), ErrorCode::kInvalidArgument, "1 s to");
  expect_refused(controller_->PinClass(TrafficClass::kAlert, "cell2", PolicyController::kMaxPinDuration + 1s),
                 ErrorCode::kInvalidArgument, "86400 s");
  expect_refused(controller_->PinClass(static_cast<TrafficClass>(9), "cell2", 60s), ErrorCode::kInvalidArgument,
                 "unknown traffic class");
  expect_refused(controller_->UnpinClass(TrafficClass::kTelemetry), ErrorCode::kNotFound, "telemetry is not pinned");
  expect_refused(controller_->UnpinClass(static_cast<TrafficClass>(4)), ErrorCode::kInvalidArgument,
                 "unknown traffic class");
}

}  // namespace
}  // namespace uplinkd::policy
