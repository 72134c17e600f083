#include "dbus/wan_properties.h"

namespace uplinkd::dbus {

WanProperties WanPropertiesFrom(const policy::WanStatus& wan, const std::vector<net::LinkEntry>& links) {
  WanProperties out;
  out.name = wan.name;
  out.kind = wan.kind == policy::WanKind::kModem ? "modem" : "ethernet";
  out.state = policy::WanHealthStateName(wan.health.state);
  out.usable = wan.usable;
  out.degraded = wan.health.degraded;
  out.link_up = wan.link_up;
  out.bearer_up = wan.bearer_up;
  out.reason = wan.health.reason;
  out.interface = wan.interface;
  if (!wan.interface.empty()) {
    for (const auto& link : links) {
      if (link.link.name != wan.interface) continue;
      for (const auto& address : link.addresses) out.addresses.push_back(address.ToString());
      break;
    }
  }
  out.rtt_ms = wan.health.rtt_ms.value_or(-1);  // -1: no answered probe yet (the XML says so)
  out.jitter_ms = wan.health.jitter_ms.value_or(-1);
  out.loss = wan.health.loss;
  out.counters = {{"probes_sent", wan.health.probes_sent},
                  {"probes_lost", wan.health.probes_lost},
                  {"probe_bytes", wan.health.probe_bytes}};
  out.table = wan.table;
  out.mark = wan.mark;
  return out;
}

}  // namespace uplinkd::dbus
