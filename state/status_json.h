#pragma once
// status.json, rendered from the typed snapshot (docs/service.md; the lab and the README's main job
// read it). The shape is the file's contract: top-level version, pid, uptime_s, config, bus,
// modems, links, wans, paths, inference, alerts, recent_events.
#include <nlohmann/json.hpp>

#include "state/state_snapshot.h"

namespace uplinkd::state {

nlohmann::json StatusJson(const Snapshot& snapshot);

// The parts, for tests and for tools that print one of them.
nlohmann::json WanStatusJson(const policy::WanStatus& wan);
nlohmann::json PathsJson(const std::optional<policy::PathsStatus>& paths);
nlohmann::json AlertRelayStatusJson(const relay::AlertRelayStatus& relay);
nlohmann::json LinksJson(const std::vector<net::LinkEntry>& links);

}  // namespace uplinkd::state
