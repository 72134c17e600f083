#include "modem/modem_fleet.h"

#include <fmt/format.h>

namespace uplinkd::modem {

ModemFleet::ModemFleet(std::vector<ModemProfile> profiles, ModemSupervisor::Dependencies dependencies,
                       ModemSupervisor::StateSink on_state, ModemSupervisor::EventSink on_event)
    : dependencies_(dependencies) {
  uint32_t position = 0;
  for (auto& profile : profiles) {
    if (!profile.ppp_unit) profile.ppp_unit = position;  // ppp0 for the first modem, ppp1, ...
    ++position;
    supervisors_.push_back(
        std::make_unique<ModemSupervisor>(std::move(profile), dependencies_, on_state, on_event));
  }
}

void ModemFleet::Start() {
  ModemManagerEdge::Listener listener;
  listener.modem_updated = [this](const ModemInfo& info) { OnModemUpdated(info); };
  listener.modem_removed = [this](const std::string& path) { OnModemRemoved(path); };
  dependencies_.edge->Start(std::move(listener));
}

void ModemFleet::Shutdown() {
  for (auto& supervisor : supervisors_) supervisor->Shutdown();
}

void ModemFleet::OnModemUpdated(const ModemInfo& info) {
  if (auto it = by_path_.find(info.path); it != by_path_.end()) {
    it->second->OnModemUpdated(info);
    return;
  }
  // Configuration order decides if two profiles could claim the same modem.
  for (auto& supervisor : supervisors_) {
    if (supervisor->bound() || !supervisor->Matches(info)) continue;
    by_path_[info.path] = supervisor.get();
    unmatched_logged_.erase(info.path);
    supervisor->OnModemUpdated(info);
    return;
  }
  // The ICCID arrives a little after the modem; a later update may still match.
  if (!unmatched_logged_[info.path]) {
    unmatched_logged_[info.path] = true;
    log_.Info("modem {} (IMEI {}, device {}) matches no configured modem (yet)", info.path,
              info.equipment_identifier, info.device);
  }
}

void ModemFleet::OnModemRemoved(const std::string& path) {
  unmatched_logged_.erase(path);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return;
  ModemSupervisor* supervisor = it->second;
  by_path_.erase(it);
  supervisor->OnModemRemoved();
}

ModemSupervisor* ModemFleet::Find(const std::string& name) {
  for (auto& supervisor : supervisors_) {
    if (supervisor->profile().name == name) return supervisor.get();
  }
  return nullptr;
}

Result<ModemSupervisor*> ModemFleet::Named(const std::string& name) {
  if (ModemSupervisor* supervisor = Find(name)) return supervisor;
  // The name comes from outside: quoted and escaped.
  return MakeError(ErrorCode::kNotFound, fmt::format("no [[modem]] named {:?} is configured", name));
}

Result<void> ModemFleet::Resume(const std::string& name) {
  auto supervisor = Named(name);
  if (!supervisor) return tl::unexpected(supervisor.error());
  return (*supervisor)->ResumeAfterOperator();
}

Result<void> ModemFleet::Reconnect(const std::string& name) {
  auto supervisor = Named(name);
  if (!supervisor) return tl::unexpected(supervisor.error());
  return (*supervisor)->Reconnect();
}

Result<void> ModemFleet::Reset(const std::string& name) {
  auto supervisor = Named(name);
  if (!supervisor) return tl::unexpected(supervisor.error());
  return (*supervisor)->Reset();
}

std::vector<ModemWanState> ModemFleet::States() const {
  std::vector<ModemWanState> states;
  for (const auto& supervisor : supervisors_) states.push_back(supervisor->state());
  return states;
}

}  // namespace uplinkd::modem
