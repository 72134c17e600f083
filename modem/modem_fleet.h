#pragma once
// Owns one ModemSupervisor per configured modem and routes ModemManager's discovery to them:
// a modem object is handed to the supervisor whose identity (IMEI, device or ICCID) it matches,
// and from then on its updates go to that supervisor by D-Bus path until the object goes away.
// Each supervisor runs on its own timers and answers, so one slow or hung modem never delays
// another.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/logger.h"
#include "modem/modem_manager_edge.h"
#include "modem/modem_supervisor.h"

namespace uplinkd::modem {

class ModemFleet {
 public:
  // `dependencies.edge` is shared by all supervisors; the fleet becomes its only listener.
  ModemFleet(std::vector<ModemProfile> profiles, ModemSupervisor::Dependencies dependencies,
             ModemSupervisor::StateSink on_state, ModemSupervisor::EventSink on_event);

  // Starts discovery; supervisors bind as their modems are found.
  void Start();
  void Shutdown();

  ModemSupervisor* Find(const std::string& name);

  // Operator actions on the modem with this configured name (see ModemSupervisor): kNotFound for
  // a name no [[modem]] has; the supervisor's own refusal otherwise. Nothing changes on error.
  Result<void> Resume(const std::string& name);
  Result<void> Reconnect(const std::string& name);
  Result<void> Reset(const std::string& name);
  std::vector<ModemWanState> States() const;

 private:
  void OnModemUpdated(const ModemInfo& info);
  void OnModemRemoved(const std::string& path);
  Result<ModemSupervisor*> Named(const std::string& name);

  ModemSupervisor::Dependencies dependencies_;
  std::vector<std::unique_ptr<ModemSupervisor>> supervisors_;
  std::map<std::string, ModemSupervisor*> by_path_;
  std::map<std::string, bool> unmatched_logged_;  // by path: log an unconfigured modem once
  Logger log_{LogModule::kModem};
};

}  // namespace uplinkd::modem
