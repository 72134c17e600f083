#include "dbus/wan_properties.h"

#include <nlohmann/json.hpp>

namespace uplinkd::dbus {
namespace {

template <typename T>
void Read(const nlohmann::json& status, const char* key, T& out) {
  if (!status.contains(key) || status[key].is_null()) return;
  try {
    out = status[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    // A member of another type than expected keeps the default rather than failing a publication.
  }
}

}  // namespace

WanProperties WanPropertiesFromStatus(const nlohmann::json& status, std::vector<std::string> addresses) {
  WanProperties out;
  Read(status, "name", out.name);
  Read(status, "kind", out.kind);
  Read(status, "health", out.state);
  Read(status, "usable", out.usable);
  Read(status, "degraded", out.degraded);
  Read(status, "link_up", out.link_up);
  Read(status, "bearer_up", out.bearer_up);
  Read(status, "reason", out.reason);
  Read(status, "interface", out.interface);
  Read(status, "rtt_ms", out.rtt_ms);
  Read(status, "jitter_ms", out.jitter_ms);
  Read(status, "loss", out.loss);
  Read(status, "table", out.table);
  Read(status, "mark", out.mark);
  for (const char* counter : {"probes_sent", "probes_lost", "probe_bytes"}) {
    uint64_t value = 0;
    Read(status, counter, value);
    out.counters[counter] = value;
  }
  out.addresses = std::move(addresses);
  return out;
}

}  // namespace uplinkd::dbus
