#include "modem/fake_modem_manager.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

namespace uplinkd::modem {
namespace {

constexpr const char* kModemPrefix = "/org/freedesktop/ModemManager1/Modem/";
constexpr const char* kBearerPrefix = "/org/freedesktop/ModemManager1/Bearer/";
constexpr const char* kSimPrefix = "/org/freedesktop/ModemManager1/SIM/";
constexpr const char* kMe = "org.freedesktop.ModemManager1.Error.MobileEquipment.";
constexpr const char* kCore = "org.freedesktop.ModemManager1.Error.Core.";

ModemCallError MmError(const std::string& family, const std::string& name, std::string message) {
  return MakeModemCallError(family + name, std::move(message));
}

bool RegisteredForData(RegistrationState registration) {
  return registration == RegistrationState::kHome || registration == RegistrationState::kRoaming;
}

}  // namespace

void FakeModemManager::Later(std::chrono::milliseconds delay, std::function<void()> action) {
  uint64_t key = next_timer_++;
  timers_.emplace(key, scheduler_.RunAfter(delay, [this, key, action = std::move(action)] {
    action();
    timers_.erase(key);  // the handle only cancels; erasing it inside its own callback is safe
  }));
}

void FakeModemManager::Emit(FakeModem& modem) {
  if (!started_ || !modem.present) return;
  ModemInfo snapshot = modem.info;
  Later(std::chrono::milliseconds(0), [this, snapshot] {
    if (listener_.modem_updated) listener_.modem_updated(snapshot);
  });
}

FakeModemManager::FakeModem* FakeModemManager::FindByPath(const std::string& path) {
  for (auto& [id, modem] : modems_) {
    if (modem.present && modem.info.path == path) return &modem;
  }
  return nullptr;
}

FakeModemManager::FakeModem& FakeModemManager::Get(const std::string& id) {
  auto it = modems_.find(id);
  if (it == modems_.end()) throw std::invalid_argument("FakeModemManager: unknown modem " + id);
  return it->second;
}

const FakeModemManager::FakeModem& FakeModemManager::Get(const std::string& id) const {
  auto it = modems_.find(id);
  if (it == modems_.end()) throw std::invalid_argument("FakeModemManager: unknown modem " + id);
  return it->second;
}

void FakeModemManager::Answer(FakeModem& modem, std::chrono::milliseconds delay, Timeout timeout,
                              std::function<void()> work,
                              std::function<void(std::optional<ModemCallError>)> reply) {
  // `work` runs when the modem gets to it and sets `outcome`; the caller hears it unless the
  // timeout came first. A removed modem's calls are never answered (its proxy is gone).
  auto answered = std::make_shared<bool>(false);
  std::string id = modem.spec.id;
  uint64_t incarnation = modem.incarnation;
  if (!modem.hung) {
    Later(delay, [this, id, incarnation, answered, work, reply] {
      FakeModem& current = Get(id);
      if (current.incarnation != incarnation || !current.present || current.hung) return;
      work();
      if (*answered) return;
      *answered = true;
      reply(std::nullopt);
    });
  }
  Later(timeout, [this, id, incarnation, answered, reply] {
    if (*answered || Get(id).incarnation != incarnation) return;
    *answered = true;
    reply(MakeModemCallError("org.freedesktop.DBus.Error.NoReply", "Method call timed out"));
  });
}

void FakeModemManager::Start(Listener listener) {
  listener_ = std::move(listener);
  started_ = true;
  for (auto& [id, modem] : modems_) Emit(modem);
}

void FakeModemManager::SetState(FakeModem& modem, ModemState state) { modem.info.state = state; }

void FakeModemManager::DisconnectBearers(FakeModem& modem) {
  for (auto& bearer : modem.info.bearers) bearer.connected = false;
}

void FakeModemManager::ApplyRegistration(FakeModem& modem, RegistrationState registration) {
  ModemInfo& info = modem.info;
  info.registration = registration;
  bool enabled = info.state >= ModemState::kEnabled;
  if (RegisteredForData(registration)) {
    info.operator_code = modem.spec.operator_code;
    info.operator_name = modem.spec.operator_name;
    info.access_technology = modem.spec.access_technology;
    info.signal_quality = modem.spec.signal_quality;
    if (enabled && info.state < ModemState::kRegistered) info.state = ModemState::kRegistered;
    return;
  }
  info.operator_code.clear();
  info.operator_name.clear();
  info.access_technology = AccessTechnology::kUnknown;
  DisconnectBearers(modem);
  if (enabled) {
    info.state = registration == RegistrationState::kSearching ? ModemState::kSearching : ModemState::kEnabled;
  }
}

void FakeModemManager::ResetToPowerOn(FakeModem& modem) {
  ModemInfo& info = modem.info;
  info.bearers.clear();
  info.registration = RegistrationState::kUnknown;
  info.operator_code.clear();
  info.operator_name.clear();
  info.access_technology = AccessTechnology::kUnknown;
  info.signal_quality = 0;
  info.signal = {};
  modem.signal_rate = 0;
  if (!modem.spec.sim_present) {
    info.sim_path.clear();
    info.iccid.clear();
    info.state = ModemState::kFailed;
    info.failed_reason = ModemFailedReason::kSimMissing;
    info.unlock_required = SimLock::kUnknown;
    return;
  }
  info.sim_path = kSimPrefix + std::to_string(next_sim_index_++);
  info.iccid = modem.spec.iccid;
  info.failed_reason = ModemFailedReason::kNone;
  // A SIM with a PIN locks again at every power-up.
  modem.sim_locked = !modem.current_pin.empty();
  if (modem.sim_locked && modem.pin_retries == 0) {
    info.unlock_required = SimLock::kSimPuk;
    info.state = ModemState::kLocked;
  } else if (modem.sim_locked) {
    info.unlock_required = SimLock::kSimPin;
    info.state = ModemState::kLocked;
  } else {
    info.unlock_required = SimLock::kNone;
    info.state = ModemState::kDisabled;
  }
  info.pin_retries = modem.pin_retries;
}

std::string FakeModemManager::AddModem(const ModemSpec& spec) {
  if (modems_.count(spec.id)) throw std::invalid_argument("FakeModemManager: duplicate modem " + spec.id);
  FakeModem& modem = modems_[spec.id];
  modem.spec = spec;
  modem.current_pin = spec.pin.value_or("");
  modem.pin_retries = spec.pin_retries;
  modem.info.equipment_identifier = spec.imei;
  modem.info.device = spec.device;
  modem.info.manufacturer = "uplinkd-fake";
  modem.info.model = "FAKE-LTE";
  return AddModem(spec.id);
}

std::string FakeModemManager::AddModem(const std::string& id) {
  FakeModem& modem = Get(id);
  if (modem.present) return modem.info.path;
  ResetToPowerOn(modem);
  modem.info.path = kModemPrefix + std::to_string(next_modem_index_++);
  modem.present = true;
  Emit(modem);
  return modem.info.path;
}

void FakeModemManager::RemoveModem(const std::string& id) {
  FakeModem& modem = Get(id);
  if (!modem.present) return;
  std::string path = modem.info.path;
  modem.present = false;
  ++modem.incarnation;
  modem.info.path.clear();
  modem.info.bearers.clear();
  if (started_) {
    Later(std::chrono::milliseconds(0), [this, path] {
      if (listener_.modem_removed) listener_.modem_removed(path);
    });
  }
}

void FakeModemManager::Deregister(const std::string& id) {
  FakeModem& modem = Get(id);
  ApplyRegistration(modem, RegistrationState::kSearching);
  Emit(modem);
}

void FakeModemManager::Register(const std::string& id, RegistrationState registration) {
  FakeModem& modem = Get(id);
  modem.spec.registration_when_enabled = registration;
  if (modem.info.state >= ModemState::kEnabled) ApplyRegistration(modem, registration);
  Emit(modem);
}

void FakeModemManager::DropBearer(const std::string& id, const std::string& error_name, const std::string& message) {
  FakeModem& modem = Get(id);
  for (auto& bearer : modem.info.bearers) {
    if (!bearer.connected) continue;
    bearer.connected = false;
    bearer.connection_error_name = error_name;
    bearer.connection_error_message = message;
  }
  if (modem.info.state == ModemState::kConnected) modem.info.state = ModemState::kRegistered;
  Emit(modem);
}

void FakeModemManager::RequirePin(const std::string& id, const std::string& pin) {
  FakeModem& modem = Get(id);
  modem.current_pin = pin;
  modem.sim_locked = true;
  DisconnectBearers(modem);
  modem.info.state = ModemState::kLocked;
  modem.info.unlock_required = SimLock::kSimPin;
  modem.info.registration = RegistrationState::kUnknown;
  modem.info.pin_retries = modem.pin_retries;
  Emit(modem);
}

void FakeModemManager::RemoveSim(const std::string& id) {
  FakeModem& modem = Get(id);
  modem.spec.sim_present = false;
  DisconnectBearers(modem);
  modem.info.sim_path.clear();
  modem.info.iccid.clear();
  modem.info.state = ModemState::kFailed;
  modem.info.failed_reason = ModemFailedReason::kSimMissing;
  modem.info.registration = RegistrationState::kUnknown;
  Emit(modem);
}

void FakeModemManager::InsertSim(const std::string& id) {
  FakeModem& modem = Get(id);
  modem.spec.sim_present = true;
  ResetToPowerOn(modem);
  Emit(modem);
}

void FakeModemManager::RefuseConnect(const std::string& id, const std::string& error_name, const std::string& message) {
  FakeModem& modem = Get(id);
  modem.refuse_error_name = error_name;
  modem.refuse_message = message;
}

void FakeModemManager::SetConnectDelay(const std::string& id, std::chrono::milliseconds delay) {
  Get(id).connect_delay = delay;
}

void FakeModemManager::SetEnableDelay(const std::string& id, std::chrono::milliseconds delay) {
  Get(id).enable_delay = delay;
}

void FakeModemManager::Hang(const std::string& id, bool hung) { Get(id).hung = hung; }

void FakeModemManager::SetSignal(const std::string& id, uint32_t quality, const SignalDetails& details) {
  FakeModem& modem = Get(id);
  modem.spec.signal_quality = quality;
  modem.info.signal_quality = quality;
  modem.info.signal = details;
  Emit(modem);
}

void FakeModemManager::SetBearerIpv4(const std::string& id, const BearerIpConfig& config) {
  Get(id).spec.ipv4 = config;
}

void FakeModemManager::SendPin(const std::string& modem_path, const std::string& pin, Timeout timeout, Done done) {
  FakeModem* modem = FindByPath(modem_path);
  if (!modem) {
    Later(std::chrono::milliseconds(0), [done] {
      done(tl::unexpected(MakeModemCallError("org.freedesktop.DBus.Error.UnknownObject", "no such object")));
    });
    return;
  }
  ++modem->pin_attempts;
  auto outcome = std::make_shared<std::optional<ModemCallError>>();
  std::string id = modem->spec.id;
  Answer(*modem, std::chrono::milliseconds(0), timeout,
         [this, id, pin, outcome] {
           FakeModem& m = Get(id);
           if (!m.sim_locked) {
             *outcome = MmError(kCore, "WrongState", "Cannot send PIN: device is not SIM-PIN locked");
           } else if (m.pin_retries == 0) {
             *outcome = MmError(kMe, "SimPuk", "SIM PUK required");
           } else if (pin == m.current_pin) {
             m.sim_locked = false;
             m.pin_retries = m.spec.pin_retries;
             m.info.pin_retries = m.pin_retries;
             m.info.unlock_required = SimLock::kNone;
             m.info.state = ModemState::kDisabled;
             Emit(m);
           } else {
             --m.pin_retries;
             m.info.pin_retries = m.pin_retries;
             if (m.pin_retries == 0) m.info.unlock_required = SimLock::kSimPuk;
             *outcome = MmError(kMe, "IncorrectPassword", "Incorrect password");
             Emit(m);
           }
         },
         [outcome, done](std::optional<ModemCallError> error) {
           if (error) return done(tl::unexpected(*error));
           if (*outcome) return done(tl::unexpected(**outcome));
           done({});
         });
}

void FakeModemManager::Enable(const std::string& modem_path, bool enable, Timeout timeout, Done done) {
  FakeModem* modem = FindByPath(modem_path);
  if (!modem) {
    Later(std::chrono::milliseconds(0), [done] {
      done(tl::unexpected(MakeModemCallError("org.freedesktop.DBus.Error.UnknownObject", "no such object")));
    });
    return;
  }
  enable ? ++modem->enable_calls : ++modem->disable_calls;
  auto outcome = std::make_shared<std::optional<ModemCallError>>();
  std::string id = modem->spec.id;
  if (enable && modem->info.state == ModemState::kDisabled) {
    modem->info.state = ModemState::kEnabling;
    Emit(*modem);
  }
  Answer(*modem, modem->enable_delay, timeout,
         [this, id, enable, outcome] {
           FakeModem& m = Get(id);
           if (m.info.state == ModemState::kFailed) {
             *outcome = MmError(kCore, "WrongState", "modem in failed state");
             return;
           }
           if (m.info.state == ModemState::kLocked) {
             *outcome = MmError(kCore, "WrongState", "modem is locked");
             return;
           }
           if (enable) {
             if (m.info.state <= ModemState::kEnabling) {
               m.info.state = ModemState::kEnabled;
               ApplyRegistration(m, m.spec.registration_when_enabled);
             }
           } else {
             DisconnectBearers(m);
             m.info.state = ModemState::kDisabled;
             m.info.registration = RegistrationState::kIdle;
             m.info.operator_code.clear();
             m.info.operator_name.clear();
           }
           Emit(m);
         },
         [outcome, done](std::optional<ModemCallError> error) {
           if (error) return done(tl::unexpected(*error));
           if (*outcome) return done(tl::unexpected(**outcome));
           done({});
         });
}

void FakeModemManager::Connect(const std::string& modem_path, const ConnectSettings& settings, Timeout timeout,
                               Connected done) {
  FakeModem* modem = FindByPath(modem_path);
  if (!modem) {
    Later(std::chrono::milliseconds(0), [done] {
      done(tl::unexpected(MakeModemCallError("org.freedesktop.DBus.Error.UnknownObject", "no such object")));
    });
    return;
  }
  ++modem->connect_calls;
  auto outcome = std::make_shared<std::optional<ModemCallError>>();
  auto bearer_path = std::make_shared<std::string>();
  std::string id = modem->spec.id;
  Answer(*modem, modem->connect_delay, timeout,
         [this, id, settings, outcome, bearer_path] {
           FakeModem& m = Get(id);
           ModemInfo& info = m.info;
           if (!m.spec.sim_present) {
             *outcome = MmError(kMe, "SimNotInserted", "SIM not inserted");
           } else if (m.sim_locked) {
             *outcome = MmError(kMe, "SimPin", "SIM PIN required");
           } else if (!m.refuse_error_name.empty()) {
             *outcome = MakeModemCallError(m.refuse_error_name, m.refuse_message);
           } else if (info.state < ModemState::kEnabled) {
             // Simple.Connect enables a disabled modem itself; keep the fake strict instead so
             // a test notices when the supervisor skips its own enable step.
             *outcome = MmError(kCore, "WrongState", "modem not enabled");
           } else if (!RegisteredForData(info.registration)) {
             *outcome = MmError(kMe, "NoNetwork", "not registered");
           } else if (info.registration == RegistrationState::kRoaming && !settings.allow_roaming) {
             *outcome = MmError(kCore, "Unauthorized", "roaming not allowed");
           } else if (std::find(m.spec.allowed_apns.begin(), m.spec.allowed_apns.end(), settings.apn) ==
                      m.spec.allowed_apns.end()) {
             *outcome = MmError(kMe, "ServiceOptionNotSubscribed", "Requested service option not subscribed");
           }
           if (*outcome) return;
           for (auto& bearer : info.bearers) {
             if (bearer.connected && bearer.apn == settings.apn) {
               *bearer_path = bearer.path;
               return;
             }
           }
           BearerInfo bearer;
           bearer.path = kBearerPrefix + std::to_string(next_bearer_index_++);
           bearer.connected = true;
           bearer.interface = m.spec.interface;
           bearer.ipv4_method = m.spec.ipv4 ? m.spec.ipv4_method : BearerIpMethod::kUnknown;
           bearer.ipv4 = m.spec.ipv4_method == BearerIpMethod::kStatic ? m.spec.ipv4 : std::nullopt;
           bearer.ipv6_method = m.spec.ipv6 ? BearerIpMethod::kStatic : BearerIpMethod::kUnknown;
           bearer.ipv6 = m.spec.ipv6;
           bearer.apn = settings.apn;
           // ModemManager keeps disconnected bearers around; the fake drops them to stay small.
           std::erase_if(info.bearers, [](const BearerInfo& old) { return !old.connected; });
           info.bearers.push_back(bearer);
           info.state = ModemState::kConnected;
           *bearer_path = bearer.path;
           Emit(m);
         },
         [outcome, bearer_path, done](std::optional<ModemCallError> error) {
           if (error) return done(tl::unexpected(*error));
           if (*outcome) return done(tl::unexpected(**outcome));
           done(*bearer_path);
         });
}

void FakeModemManager::Disconnect(const std::string& modem_path, const std::string& bearer_path, Timeout timeout,
                                  Done done) {
  FakeModem* modem = FindByPath(modem_path);
  if (!modem) {
    Later(std::chrono::milliseconds(0), [done] {
      done(tl::unexpected(MakeModemCallError("org.freedesktop.DBus.Error.UnknownObject", "no such object")));
    });
    return;
  }
  std::string id = modem->spec.id;
  Answer(*modem, std::chrono::milliseconds(0), timeout,
         [this, id, bearer_path] {
           FakeModem& m = Get(id);
           for (auto& bearer : m.info.bearers) {
             if (bearer_path == "/" || bearer.path == bearer_path) bearer.connected = false;
           }
           if (m.info.state == ModemState::kConnected) m.info.state = ModemState::kRegistered;
           Emit(m);
         },
         [done](std::optional<ModemCallError> error) {
           if (error) return done(tl::unexpected(*error));
           done({});
         });
}

void FakeModemManager::Reset(const std::string& modem_path, Timeout timeout, Done done) {
  FakeModem* modem = FindByPath(modem_path);
  if (!modem) {
    Later(std::chrono::milliseconds(0), [done] {
      done(tl::unexpected(MakeModemCallError("org.freedesktop.DBus.Error.UnknownObject", "no such object")));
    });
    return;
  }
  ++modem->reset_calls;
  std::string id = modem->spec.id;
  Answer(*modem, std::chrono::milliseconds(0), timeout,
         [this, id] {
           // The answer goes out first, then the device drops off the bus and re-enumerates.
           Later(std::chrono::milliseconds(0), [this, id] {
             RemoveModem(id);
             Later(reset_downtime_, [this, id] { AddModem(id); });
           });
         },
         [done](std::optional<ModemCallError> error) {
           if (error) return done(tl::unexpected(*error));
           done({});
         });
}

void FakeModemManager::SetupSignal(const std::string& modem_path, uint32_t rate_seconds, Timeout timeout, Done done) {
  FakeModem* modem = FindByPath(modem_path);
  if (!modem) {
    Later(std::chrono::milliseconds(0), [done] {
      done(tl::unexpected(MakeModemCallError("org.freedesktop.DBus.Error.UnknownObject", "no such object")));
    });
    return;
  }
  std::string id = modem->spec.id;
  Answer(*modem, std::chrono::milliseconds(0), timeout, [this, id, rate_seconds] { Get(id).signal_rate = rate_seconds; },
         [done](std::optional<ModemCallError> error) {
           if (error) return done(tl::unexpected(*error));
           done({});
         });
}

std::string FakeModemManager::PathOf(const std::string& id) const {
  const FakeModem& modem = Get(id);
  return modem.present ? modem.info.path : std::string();
}

const ModemInfo* FakeModemManager::Info(const std::string& id) const {
  const FakeModem& modem = Get(id);
  return modem.present ? &modem.info : nullptr;
}

uint32_t FakeModemManager::pin_attempts(const std::string& id) const { return Get(id).pin_attempts; }
uint32_t FakeModemManager::connect_calls(const std::string& id) const { return Get(id).connect_calls; }
uint32_t FakeModemManager::enable_calls(const std::string& id, bool enable) const {
  return enable ? Get(id).enable_calls : Get(id).disable_calls;
}
uint32_t FakeModemManager::reset_calls(const std::string& id) const { return Get(id).reset_calls; }
uint32_t FakeModemManager::signal_setup_rate(const std::string& id) const { return Get(id).signal_rate; }

}  // namespace uplinkd::modem
