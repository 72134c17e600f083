#include "policy/policy_nft_table.h"

#include <netinet/in.h>

#include "policy/lane_layout.h"

namespace uplinkd::policy {
namespace {

using namespace net::nft;

constexpr uint32_t kFlowMask = kWanMarkMask | kClassMarkMask;

MatchMark WanBitsSet(MarkStore store) { return MatchMark{store, 0, kWanMarkMask, /*negate=*/true}; }
MatchMark ClassIs(TrafficClass traffic_class) {
  return MatchMark{MarkStore::kPacket, ClassMark(traffic_class), kClassMarkMask, false};
}

std::vector<Match> RuleMatches(const ClassificationRule& rule, std::optional<net::IpFamily> dscp_family) {
  std::vector<Match> matches;
  if (rule.dscp && dscp_family) matches.emplace_back(MatchDscp{*dscp_family, *rule.dscp});
  if (rule.source) matches.emplace_back(MatchAddress{MatchAddress::Side::kSource, *rule.source, false});
  if (rule.destination) matches.emplace_back(MatchAddress{MatchAddress::Side::kDestination, *rule.destination, false});
  if (rule.protocol) {
    MatchTransport transport;
    transport.protocol = *rule.protocol;
    if (rule.source_port) transport.source_port = net::nft::PortRange{rule.source_port->first, rule.source_port->last};
    if (rule.destination_port) {
      transport.destination_port = net::nft::PortRange{rule.destination_port->first, rule.destination_port->last};
    }
    matches.emplace_back(transport);
  }
  if (rule.socket_mark) matches.emplace_back(MatchMark{MarkStore::kPacket, *rule.socket_mark, kAppMarkMask, false});
  if (rule.uid) matches.emplace_back(MatchSocketOwner{MatchSocketOwner::Kind::kUser, *rule.uid});
  if (rule.gid) matches.emplace_back(MatchSocketOwner{MatchSocketOwner::Kind::kGroup, *rule.gid});
  return matches;
}

// DSCP matches are per family; a rule with dscp (and no address fixing the family) becomes two.
std::vector<std::vector<Match>> ExpandDscp(const ClassificationRule& rule) {
  if (!rule.dscp) return {RuleMatches(rule, std::nullopt)};
  std::vector<net::IpFamily> families;
  if (rule.source) {
    families = {rule.source->family()};
  } else if (rule.destination) {
    families = {rule.destination->family()};
  } else {
    families = {net::IpFamily::kV4, net::IpFamily::kV6};
  }
  std::vector<std::vector<Match>> expanded;
  for (net::IpFamily family : families) expanded.push_back(RuleMatches(rule, family));
  return expanded;
}

Chain Classify(const std::string& name, const PolicyConfig& config, bool local) {
  Chain chain{name, std::nullopt, {}};
  for (size_t i = 0; i < config.rules.size(); ++i) {
    const auto& rule = config.rules[i];
    if (!local && (rule.uid || rule.gid)) continue;
    for (auto& matches : ExpandDscp(rule)) {
      chain.rules.push_back({std::move(matches),
                             {SetMark{MarkStore::kPacket, ClassMark(rule.traffic_class), kClassMarkMask}, Return()},
                             "rule " + std::to_string(i + 1) + ": " + TrafficClassName(rule.traffic_class)});
    }
  }
  for (uint8_t dscp : config.alert_dscp) {
    for (net::IpFamily family : {net::IpFamily::kV4, net::IpFamily::kV6}) {
      chain.rules.push_back({{MatchDscp{family, dscp}},
                             {SetMark{MarkStore::kPacket, ClassMark(TrafficClass::kAlert), kClassMarkMask}, Return()},
                             "alert_dscp " + std::to_string(dscp)});
    }
  }
  chain.rules.push_back({{},
                         {SetMark{MarkStore::kPacket, ClassMark(config.default_class), kClassMarkMask}},
                         std::string("default: ") + TrafficClassName(config.default_class)});
  return chain;
}

Chain MarkFlow(const std::string& name, const std::string& classify) {
  Chain chain{name, std::nullopt, {}};
  chain.rules.push_back({{WanBitsSet(MarkStore::kConntrack)},
                         {CopyMark{MarkStore::kConntrack, kFlowMask}, Return()},
                         "established flow keeps its Wan"});
  chain.rules.push_back({{}, {Jump(classify)}, ""});
  chain.rules.push_back({{}, {Jump("paths")}, ""});
  chain.rules.push_back({{}, {CopyMark{MarkStore::kPacket, kFlowMask}}, "pin the flow"});
  return chain;
}

Chain Paths(const PolicyConfig& config, const Decision& decision) {
  Chain chain{"paths", std::nullopt, {}};
  for (TrafficClass traffic_class : kTrafficClasses) {
    const ClassPath& path = decision.path(traffic_class);
    std::vector<std::pair<const WanConfig*, uint32_t>> members;
    uint32_t total = 0;
    for (const auto& member : path.wans) {
      if (const WanConfig* wan = config.FindWan(member.wan)) {
        members.emplace_back(wan, member.weight);
        total += member.weight;
      }
    }
    if (members.empty()) continue;
    std::string label = std::string(TrafficClassName(traffic_class));
    if (members.size() > 1) {
      // Balance new flows by their source port, in slices of the port space proportional to the
      // weights (per-flow, and connmark keeps each flow where it started).
      for (uint8_t protocol : {uint8_t{IPPROTO_TCP}, uint8_t{IPPROTO_UDP}}) {
        uint32_t start = 0;
        uint32_t cumulative = 0;
        for (size_t i = 0; i < members.size(); ++i) {
          cumulative += members[i].second;
          uint32_t end = i + 1 == members.size() ? 65535 : static_cast<uint32_t>(65536ull * cumulative / total) - 1;
          if (end < start) continue;
          MatchTransport transport;
          transport.protocol = protocol;
          transport.source_port = net::nft::PortRange{static_cast<uint16_t>(start), static_cast<uint16_t>(end)};
          chain.rules.push_back({{ClassIs(traffic_class), transport},
                                 {SetMark{MarkStore::kPacket, members[i].first->mark, kWanMarkMask}, Return()},
                                 label + " -> " + members[i].first->name + " (weight " +
                                     std::to_string(members[i].second) + ")"});
          start = end + 1;
        }
      }
    }
    chain.rules.push_back({{ClassIs(traffic_class)},
                           {SetMark{MarkStore::kPacket, members[0].first->mark, kWanMarkMask}, Return()},
                           label + " -> " + members[0].first->name});
  }
  return chain;
}

}  // namespace

Table PolicyNftTable::Build(const PolicyConfig& config, const Decision& decision,
                            const std::map<std::string, std::string>& interfaces,
                            const std::map<std::string, std::vector<net::IpAddress>>& addresses) {
  Table table;
  table.family = Family::kInet;
  table.name = kNftTableName;

  auto interface_of = [&](const WanConfig& wan) -> std::string {
    auto it = interfaces.find(wan.name);
    return it == interfaces.end() ? std::string() : it->second;
  };

  Chain prerouting{"prerouting", BaseChain{ChainType::kFilter, Hook::kPrerouting, kPriorityMangle, false}, {}};
  for (const auto& lan : config.lan_interfaces) {
    prerouting.rules.push_back({{MatchInterface{MatchInterface::Direction::kInput, lan, false}},
                                {Jump("mark_lan")}, ""});
  }
  for (const auto& wan : config.wans) {
    std::string name = interface_of(wan);
    if (name.empty()) continue;
    prerouting.rules.push_back({{MatchInterface{MatchInterface::Direction::kInput, name, false},
                                 MatchMark{MarkStore::kConntrack, 0, kWanMarkMask, false}},
                                {SetMark{MarkStore::kConntrack, wan.mark, kWanMarkMask}},
                                "inbound on " + wan.name + ": replies leave by it"});
  }

  Chain output{"output", BaseChain{ChainType::kRoute, Hook::kOutput, kPriorityMangle, false}, {}};
  // Pins first: such a socket never set a mark (it cannot before its SYN), its address says the Wan.
  for (const auto& wan : config.wans) {
    auto found = addresses.find(wan.name);
    if (found == addresses.end()) continue;
    for (const auto& address : found->second) {
      net::IpPrefix host(address, address.family() == net::IpFamily::kV4 ? 32 : 128);
      for (const auto& pin : config.local_pins) {
        MatchTransport transport;
        transport.protocol = pin.protocol;
        transport.destination_port = net::nft::PortRange{pin.destination_port, pin.destination_port};
        output.rules.push_back({{MatchAddress{MatchAddress::Side::kSource, host, false}, transport},
                                {SetMark{MarkStore::kPacket, wan.mark | ClassMark(pin.traffic_class), kFlowMask},
                                 Return()},
                                "pin: " + std::string(TrafficClassName(pin.traffic_class)) + " port " +
                                    std::to_string(pin.destination_port) + " from " + wan.name});
      }
    }
  }
  output.rules.push_back({{WanBitsSet(MarkStore::kPacket)}, {Return()}, "the socket chose its Wan"});
  output.rules.push_back({{}, {Jump("mark_local")}, ""});

  Chain forward{"forward", BaseChain{ChainType::kFilter, Hook::kForward, kPriorityFilter, false}, {}};
  for (const auto& lan : config.lan_interfaces) {
    for (const auto& wan : config.wans) {
      std::string name = interface_of(wan);
      if (name.empty()) continue;
      forward.rules.push_back({{MatchInterface{MatchInterface::Direction::kInput, lan, false},
                                MatchInterface{MatchInterface::Direction::kOutput, name, false}},
                               {Counter{}, Accept()},
                               lan + " -> " + wan.name});
    }
  }

  Chain postrouting{"postrouting", BaseChain{ChainType::kNat, Hook::kPostrouting, kPrioritySrcNat, false}, {}};
  for (const auto& wan : config.wans) {
    std::string name = interface_of(wan);
    if (name.empty() || !wan.masquerade) continue;
    postrouting.rules.push_back({{MatchInterface{MatchInterface::Direction::kOutput, name, false}},
                                 {Masquerade{}},
                                 "masquerade out of " + wan.name});
  }

  table.chains.push_back(std::move(prerouting));
  table.chains.push_back(std::move(output));
  table.chains.push_back(std::move(forward));
  table.chains.push_back(std::move(postrouting));
  if (config.lanes) {
    Chain lanes{"lanes", BaseChain{ChainType::kFilter, Hook::kPostrouting, kPriorityMangle, false}, {}};
    for (const auto& wan : config.wans) {
      std::string name = interface_of(wan);
      if (name.empty() || !wan.shaping) continue;
      for (TrafficClass traffic_class : kTrafficClasses) {
        lanes.rules.push_back({{MatchInterface{MatchInterface::Direction::kOutput, name, false}, ClassIs(traffic_class)},
                               {Counter{}, SetPriority{kLaneMajor, LaneMinor(traffic_class)}},
                               wan.name + " lane " + TrafficClassName(traffic_class)});
      }
    }
    table.chains.push_back(std::move(lanes));
  }
  table.chains.push_back(MarkFlow("mark_lan", "classify_lan"));
  table.chains.push_back(MarkFlow("mark_local", "classify_local"));
  table.chains.push_back(Classify("classify_lan", config, false));
  table.chains.push_back(Classify("classify_local", config, true));
  table.chains.push_back(Paths(config, decision));
  return table;
}

}  // namespace uplinkd::policy
