#pragma once
// The properties of org.uplinkd1.Wan as a plain value (see org.uplinkd1.Wan.xml), rendered from
// the state store's typed snapshot: the policy's policy::WanStatus and the link table's entry for
// the Wan's interface (its addresses).
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "dbus/property_fields.h"
#include "net/link_table.h"
#include "policy/wan_status.h"

namespace uplinkd::dbus {

struct WanProperties {
  std::string name;
  std::string kind;
  std::string state = "unknown";
  bool usable = false;
  bool degraded = false;
  bool link_up = false;
  bool bearer_up = false;
  std::string reason;
  std::string interface;
  std::vector<std::string> addresses;
  double rtt_ms = -1;
  double jitter_ms = -1;
  double loss = 0;
  std::map<std::string, uint64_t> counters;
  uint32_t table = 0;
  uint32_t mark = 0;

  static constexpr auto kFields = std::make_tuple(
      Property("Name", &WanProperties::name), Property("Kind", &WanProperties::kind),
      Property("State", &WanProperties::state), Property("Usable", &WanProperties::usable),
      Property("Degraded", &WanProperties::degraded), Property("LinkUp", &WanProperties::link_up),
      Property("BearerUp", &WanProperties::bearer_up), Property("Reason", &WanProperties::reason),
      Property("Interface", &WanProperties::interface), Property("Addresses", &WanProperties::addresses),
      Property("RttMs", &WanProperties::rtt_ms), Property("JitterMs", &WanProperties::jitter_ms),
      Property("Loss", &WanProperties::loss), Property("Counters", &WanProperties::counters),
      Property("Table", &WanProperties::table), Property("Mark", &WanProperties::mark));

  friend bool operator==(const WanProperties&, const WanProperties&) = default;
};

// `links`: the snapshot's links; the Wan's addresses are those of the link named like its interface.
WanProperties WanPropertiesFrom(const policy::WanStatus& wan, const std::vector<net::LinkEntry>& links);

}  // namespace uplinkd::dbus
