#pragma once
// A table that uses the whole nft vocabulary the way uplinkd's policy does, and how `nft list
// table` prints it (with counters' numbers dropped). The unit test checks Table::ToString()
// against this text; the kernel lab test applies the table and checks nft's own listing against
// it, which proves the netlink encoding means what the model says.
#include <netinet/in.h>

#include <string>

#include "net/nft_table.h"

namespace uplinkd::net::nft {

inline Table SampleTable(const std::string& name = "uplinkd_sample") {
  auto prefix = [](const char* text) { return *IpPrefix::Parse(text); };
  Table table{.family = Family::kInet, .name = name, .chains = {}};
  table.chains.push_back(Chain{
      .name = "mangle_prerouting",
      .base = BaseChain{.type = ChainType::kFilter, .hook = Hook::kPrerouting, .priority = kPriorityMangle},
      .rules = {
          Rule{.matches = {}, .statements = {CopyMark{.from = MarkStore::kConntrack, .mask = 0xffffffff}}},
          Rule{.matches = {MatchMark{.store = MarkStore::kPacket, .value = 0, .mask = 0xffffffff, .negate = true}},
               .statements = {Return()}},
          Rule{.matches = {}, .statements = {Jump("classify")}, .comment = "classify new flows"},
      }});
  table.chains.push_back(Chain{
      .name = "classify",
      .base = std::nullopt,
      .rules = {
          Rule{.matches = {MatchInterface{.direction = MatchInterface::Direction::kInput, .name = "lan0"},
                           MatchAddress{.side = MatchAddress::Side::kSource, .prefix = prefix("192.0.2.0/24")},
                           MatchTransport{.protocol = IPPROTO_UDP, .destination_port = PortRange{5683, 5683}}},
               .statements = {SetMark{.store = MarkStore::kPacket, .value = 0x100}, SetPriority{.major = 1, .minor = 0x10},
                              Counter{}},
               .comment = "alert"},
          Rule{.matches = {MatchTransport{.protocol = IPPROTO_TCP, .source_port = PortRange{1024, 65535},
                                          .destination_port = PortRange{22, 22}}},
               .statements = {SetMark{.store = MarkStore::kPacket, .value = 0x200}, SetPriority{.major = 1, .minor = 0x20}}},
          Rule{.matches = {MatchDscp{.family = IpFamily::kV4, .dscp = 46}}, .statements = {SetMark{.value = 0x100}}},
          Rule{.matches = {MatchDscp{.family = IpFamily::kV6, .dscp = 10}}, .statements = {SetMark{.value = 0x300}}},
          Rule{.matches = {MatchAddress{.side = MatchAddress::Side::kDestination, .prefix = prefix("2001:db8::/33")},
                           MatchAddress{.side = MatchAddress::Side::kSource, .prefix = prefix("2001:db8:5::7/128"),
                                        .negate = true}},
               .statements = {SetMark{.value = 0x400}}},
          Rule{.matches = {MatchAddress{.side = MatchAddress::Side::kSource, .prefix = prefix("100.64.0.0/10")},
                           MatchTransport{.protocol = IPPROTO_ICMP}},
               .statements = {Accept()}},
          Rule{.matches = {MatchMark{.store = MarkStore::kPacket, .value = 0x100, .mask = 0xff00}},
               .statements = {CopyMark{.from = MarkStore::kPacket, .mask = 0xff00}}},
          Rule{.matches = {MatchMark{.store = MarkStore::kConntrack, .value = 0x5, .mask = 0xff, .negate = true}},
               .statements = {SetMark{.store = MarkStore::kConntrack, .value = 0x5}}},
          Rule{.matches = {}, .statements = {CopyMark{.from = MarkStore::kPacket}}},
      }});
  table.chains.push_back(Chain{
      .name = "route_output",
      .base = BaseChain{.type = ChainType::kRoute, .hook = Hook::kOutput, .priority = kPriorityMangle},
      .rules = {
          Rule{.matches = {MatchSocketOwner{.kind = MatchSocketOwner::Kind::kUser, .id = 4242},
                           MatchSocketOwner{.kind = MatchSocketOwner::Kind::kGroup, .id = 4243}},
               .statements = {Goto("classify")}},
          Rule{.matches = {MatchInterface{.direction = MatchInterface::Direction::kOutput, .name = "wwan*"}},
               .statements = {Jump("classify")}},
      }});
  table.chains.push_back(Chain{
      .name = "nat_postrouting",
      .base = BaseChain{.type = ChainType::kNat, .hook = Hook::kPostrouting, .priority = kPrioritySrcNat},
      .rules = {
          Rule{.matches = {MatchInterface{.direction = MatchInterface::Direction::kOutput, .name = "wwan0"}},
               .statements = {Masquerade{}}},
          Rule{.matches = {MatchInterface{.direction = MatchInterface::Direction::kOutput, .name = "lan0", .negate = true}},
               .statements = {Masquerade{}}},
      }});
  table.chains.push_back(Chain{
      .name = "filter_forward",
      .base = BaseChain{.type = ChainType::kFilter, .hook = Hook::kForward, .priority = 5, .policy_drop = true},
      .rules = {
          Rule{.matches = {MatchInterface{.direction = MatchInterface::Direction::kInput, .name = "lan0"}},
               .statements = {Counter{}, Accept()}},
          Rule{.matches = {MatchTransport{.protocol = IPPROTO_ICMPV6}}, .statements = {Accept()}},
          Rule{.matches = {}, .statements = {Drop()}},
      }});
  return table;
}

inline std::string SampleTableText(const std::string& name = "uplinkd_sample") {
  return "table inet " + name + R"( {
	chain mangle_prerouting {
		type filter hook prerouting priority mangle; policy accept;
		meta mark set ct mark
		meta mark != 0x00000000 return
		jump classify comment "classify new flows"
	}

	chain classify {
		iifname "lan0" ip saddr 192.0.2.0/24 udp dport 5683 meta mark set 0x00000100 meta priority set 1:10 counter comment "alert"
		tcp sport 1024-65535 tcp dport 22 meta mark set 0x00000200 meta priority set 1:20
		ip dscp ef meta mark set 0x00000100
		ip6 dscp af11 meta mark set 0x00000300
		ip6 daddr 2001:db8::/33 ip6 saddr != 2001:db8:5::7 meta mark set 0x00000400
		ip saddr 100.64.0.0/10 meta l4proto icmp accept
		meta mark & 0x0000ff00 == 0x00000100 ct mark set meta mark & 0x0000ff00
		ct mark & 0x000000ff != 0x00000005 ct mark set 0x00000005
		ct mark set meta mark
	}

	chain route_output {
		type route hook output priority mangle; policy accept;
		meta skuid 4242 meta skgid 4243 goto classify
		oifname "wwan*" jump classify
	}

	chain nat_postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wwan0" masquerade
		oifname != "lan0" masquerade
	}

	chain filter_forward {
		type filter hook forward priority filter + 5; policy drop;
		iifname "lan0" counter accept
		meta l4proto ipv6-icmp accept
		drop
	}
}
)";
}

}  // namespace uplinkd::net::nft
