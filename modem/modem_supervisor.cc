#include "modem/modem_supervisor.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "base/secret_file.h"

namespace uplinkd::modem {
namespace {

bool IsRegisteredForData(RegistrationState registration) {
  return registration == RegistrationState::kHome || registration == RegistrationState::kRoaming;
}

}  // namespace

template <typename Fn>
auto ModemSupervisor::Guard(Fn fn) {
  std::weak_ptr<bool> alive = alive_;
  uint64_t generation = generation_;
  return [this, alive, generation, fn = std::move(fn)](auto&&... args) {
    if (alive.expired() || generation != generation_) return;
    fn(std::forward<decltype(args)>(args)...);
  };
}

ModemSupervisor::ModemSupervisor(ModemProfile profile, Dependencies dependencies, StateSink on_state,
                                 EventSink on_event)
    : profile_(std::move(profile)),
      deps_(std::move(dependencies)),
      on_state_(std::move(on_state)),
      on_event_(std::move(on_event)),
      recovery_(profile_.recovery, deps_.uniform01) {
  if (!deps_.read_secret) deps_.read_secret = ReadSecretFile;
  state_.name = profile_.name;
  state_.private_prefixes = profile_.apn.private_prefixes;
  Publish();
}

ModemSupervisor::~ModemSupervisor() = default;

bool ModemSupervisor::Matches(const ModemInfo& info) const {
  const std::string& value = profile_.match.value;
  if (value.empty()) return false;
  switch (profile_.match.kind) {
    case ModemMatchKind::kImei: return info.equipment_identifier == value;
    case ModemMatchKind::kDevice: return info.device == value;
    case ModemMatchKind::kIccid: return info.iccid == value;
  }
  return false;
}

void ModemSupervisor::OnModemUpdated(const ModemInfo& info) {
  if (path_.empty()) {
    path_ = info.path;
    info_ = info;
    if (ever_bound_) ++state_.counters.readoptions;
    ever_bound_ = true;
    signal_setup_done_ = false;
    bearer_path_.clear();
    resetting_ = false;
    cycling_ = false;
    backoff_timer_.Cancel();
    CopyModemFields();
    log_.Notice("{}: bound to modem {} ({} {}) at {}", profile_.name, info.equipment_identifier, info.manufacturer,
                info.model, info.path);
    Emit(ModemEventKind::kModemAdopted, fmt::format("modem {} at {}", info.equipment_identifier, info.path));
  } else {
    if (info.path != path_) return;
    info_ = info;
    CopyModemFields();
  }
  Reconcile();
}

void ModemSupervisor::OnModemRemoved() {
  if (path_.empty()) return;
  log_.Warning("{}: modem {} vanished from {}", profile_.name, info_.equipment_identifier, path_);
  if (state_.wan_up) MarkWanDown("modem vanished", true);
  StopIpClient();
  ++generation_;
  operation_ = Operation::kNone;
  ClearExpectation();
  wait_timer_.Cancel();
  backoff_timer_.Cancel();
  cycling_ = false;
  path_.clear();
  info_ = ModemInfo{};
  bearer_path_.clear();
  RemoveAppliedAddresses();
  state_.modem_state = ModemState::kUnknown;
  state_.registration = RegistrationState::kUnknown;
  state_.operator_name.clear();
  state_.operator_code.clear();
  state_.access_technology = AccessTechnology::kUnknown;
  state_.signal_quality = 0;
  state_.signal = {};
  SetPhase(resetting_ ? SupervisorPhase::kResetting : SupervisorPhase::kAbsent);
  Publish();
  Emit(ModemEventKind::kModemVanished, "the modem object went away");
}

void ModemSupervisor::CopyModemFields() {
  state_.imei = info_.equipment_identifier;
  state_.iccid = info_.iccid;
  state_.device = info_.device;
  state_.modem_state = info_.state;
  state_.registration = info_.registration;
  state_.operator_name = info_.operator_name;
  state_.operator_code = info_.operator_code;
  state_.access_technology = info_.access_technology;
  state_.signal_quality = info_.signal_quality;
  state_.signal = info_.signal;
  state_.sim_pin_retries = info_.pin_retries;
}

bool ModemSupervisor::RegisteredForData() const { return IsRegisteredForData(info_.registration); }

bool ModemSupervisor::RegistrationUsableForConnect() const {
  if (info_.registration == RegistrationState::kHome) return true;
  return info_.registration == RegistrationState::kRoaming && profile_.apn.allow_roaming;
}

const BearerInfo* ModemSupervisor::ActiveBearer() const {
  if (!bearer_path_.empty()) return info_.FindBearer(bearer_path_);
  for (const auto& bearer : info_.bearers) {
    if (bearer.connected) return &bearer;
  }
  return nullptr;
}

bool ModemSupervisor::WanStillUsable() const {
  const BearerInfo* bearer = ActiveBearer();
  return bearer && bearer->connected && RegisteredForData();
}

void ModemSupervisor::Publish() {
  if (published_ && *published_ == state_) return;
  published_ = state_;
  if (on_state_) on_state_(state_);
}

void ModemSupervisor::Emit(ModemEventKind kind, std::string message) {
  if (on_event_) on_event_(ModemEvent{profile_.name, kind, std::move(message)});
}

void ModemSupervisor::MarkWanDown(const std::string& reason, bool count_drop, SupervisorPhase phase) {
  bool was_up = state_.wan_up;
  state_.wan_up = false;
  state_.bearer_connected = false;
  if (count_drop && was_up) ++state_.counters.bearer_drops;
  state_.last_error = reason;
  SetPhase(phase);
  // The policy layer hears it before anything else happens: this is the fast failover signal.
  Publish();
  if (was_up) {
    log_.Warning("{}: Wan down: {}", profile_.name, reason);
    Emit(ModemEventKind::kWanDown, reason);
  }
  RemoveAppliedAddresses();
  state_.ipv4.reset();
  state_.ipv6.reset();
  state_.dns.clear();
  state_.fixed_ip_mismatch = false;
  bearer_path_.clear();
  ClearExpectation();
}

void ModemSupervisor::Reconcile() {
  if (path_.empty()) {
    SetPhase(resetting_ ? SupervisorPhase::kResetting : SupervisorPhase::kAbsent);
    Publish();
    return;
  }
  BoundWait(NextStep());
  Publish();
}

// The phases in order; the first that decides ends the turn. Only the last may leave a wait on
// the modem's own progress.
std::optional<ModemSupervisor::ModemWait> ModemSupervisor::NextStep() {
  if (KeepOrDropWan()) return std::nullopt;
  if (StopOrphanedIpClient()) return std::nullopt;
  if (HeldForOperator()) return std::nullopt;
  if (AdoptConnectedBearer()) return std::nullopt;
  if (AwaitingModemManager()) return std::nullopt;
  if (info_.state == ModemState::kFailed) {
    HandleFailedState();
    return std::nullopt;
  }
  sim_missing_reported_ = false;
  if (WaitingOutBackoff()) return std::nullopt;
  return AdvanceModemState();
}

// 1. A Wan that stopped being usable goes down first, and is published at once; one still usable
// follows its bearer's configuration.
bool ModemSupervisor::KeepOrDropWan() {
  if (!state_.wan_up) return false;
  if (!WanStillUsable()) {
    const BearerInfo* bearer = ActiveBearer();
    std::string reason;
    if (!RegisteredForData()) {
      reason = fmt::format("registration lost ({})", RegistrationStateName(info_.registration));
    } else if (bearer && !bearer->connection_error_name.empty()) {
      reason = fmt::format("bearer disconnected: {} {}", bearer->connection_error_name,
                           bearer->connection_error_message);
    } else {
      reason = "bearer disconnected";
    }
    MarkWanDown(reason, true);
    ArmBackoff(recovery_.DelayAfterDrop());
    return false;
  }
  ClearExpectation();  // whatever we were waiting to see, the Wan is up
  if (ip_client_) return true;  // the helper owns the configuration and reports its changes
  const BearerInfo* bearer = ActiveBearer();
  bool changed = bearer->interface != state_.interface ||
                 (bearer->ipv4_method == BearerIpMethod::kStatic && bearer->ipv4 != state_.ipv4) ||
                 (bearer->ipv6_method == BearerIpMethod::kStatic && bearer->ipv6 != state_.ipv6);
  if (changed) ApplyBearer(*bearer);
  return true;
}

// 1b. A DHCP client or pppd whose bearer is gone stops (the Wan, if it was up, is down by now);
// one that was still configuring counts as a failed attempt.
bool ModemSupervisor::StopOrphanedIpClient() {
  if (!ip_client_) return false;
  const BearerInfo* served = info_.FindBearer(ip_client_bearer_);
  if (served && served->connected && RegisteredForData()) return false;
  std::string what = IpClientWhat();
  bool was_configuring = !ip_lease_;
  StopIpClient();
  if (!was_configuring) return false;
  Fail(fmt::format("bearer lost while waiting for the {}", what), true);
  return true;
}

// 2. Stopped for an operator (PIN rejected, PUK, unreadable secret, unsupported bearer), unless
// the SIM was unlocked from outside.
bool ModemSupervisor::HeldForOperator() {
  if (!hold_) return false;
  bool unlocked = info_.state != ModemState::kLocked && info_.state != ModemState::kFailed &&
                  info_.state != ModemState::kUnknown && info_.state != ModemState::kInitializing;
  if (hold_->clears_when_unlocked && unlocked) {
    log_.Notice("{}: SIM unlocked from outside; resuming", profile_.name);
    hold_.reset();
    state_.last_error.clear();
    return false;
  }
  SetPhase(SupervisorPhase::kNeedsOperator);
  return true;
}

// 3. A connected bearer (ours, one found connected at adoption, or one that a connect we had
// given up on brought up after all) becomes the Wan as soon as ModemManager shows it, even
// while a back-off or our own connect's answer is still pending.
bool ModemSupervisor::AdoptConnectedBearer() {
  if (operation_ != Operation::kNone && operation_ != Operation::kConnect) return false;
  if (!RegisteredForData()) return false;
  const BearerInfo* bearer = ActiveBearer();
  if (!bearer || !bearer->connected || bearer->path == abandoned_bearer_) return false;
  ApplyBearer(*bearer);
  return true;
}

// 4. An answer is outstanding, or the effect of the last one has not shown yet.
bool ModemSupervisor::AwaitingModemManager() {
  if (operation_ != Operation::kNone) return true;
  if (!expectation_) return false;
  if (!expectation_->met(info_)) return true;
  ClearExpectation();
  return false;
}

// 6. Waiting out a back-off (5., a failed modem, is HandleFailedState).
bool ModemSupervisor::WaitingOutBackoff() {
  if (!backoff_timer_.armed()) return false;
  SetPhase(cycling_ ? SupervisorPhase::kCycling : resetting_ ? SupervisorPhase::kResetting : SupervisorPhase::kBackingOff);
  return true;
}

// 7. The next step the modem's own state calls for, or a bounded wait for it to move.
std::optional<ModemSupervisor::ModemWait> ModemSupervisor::AdvanceModemState() {
  switch (info_.state) {
    case ModemState::kLocked:
      HandleLock();
      return std::nullopt;
    case ModemState::kDisabled:
      StartEnable(true);
      return std::nullopt;
    case ModemState::kEnabled:
    case ModemState::kSearching:
    case ModemState::kRegistered:
      if (!signal_setup_done_) StartSignalSetup();
      if (RegistrationUsableForConnect()) {
        StartConnect();
        return std::nullopt;
      }
      SetPhase(SupervisorPhase::kWaitingForRegistration);
      if (info_.registration == RegistrationState::kDenied) {
        state_.last_error = "registration denied by the network";
      } else if (info_.registration == RegistrationState::kRoaming) {
        state_.last_error = "registered roaming, and the profile does not allow roaming";
      }
      return ModemWait{"a usable registration", profile_.recovery.registration_timeout};
    case ModemState::kConnecting:
    case ModemState::kConnected:
    case ModemState::kDisconnecting:
      // Someone else's connect, or our bearer is not described yet: wait for the next update.
      SetPhase(SupervisorPhase::kConnecting);
      return ModemWait{fmt::format("the modem to leave state {}", ModemStateName(info_.state)),
                       profile_.recovery.connect_timeout};
    case ModemState::kFailed:
    case ModemState::kUnknown:
    case ModemState::kInitializing:
    case ModemState::kEnabling:
    case ModemState::kDisabling:
      SetPhase(cycling_ ? SupervisorPhase::kCycling : SupervisorPhase::kEnabling);
      return ModemWait{fmt::format("the modem to leave state {}", ModemStateName(info_.state)),
                       profile_.recovery.connect_timeout};
  }
  return std::nullopt;
}

// Waiting on the modem is bounded too: a modem stuck in a transition counts as a failure.
void ModemSupervisor::BoundWait(const std::optional<ModemWait>& wait) {
  if (!wait) {
    wait_timer_.Cancel();
    wait_reason_.clear();
    return;
  }
  if (wait_timer_.armed() && wait->what == wait_reason_) return;
  wait_reason_ = wait->what;
  wait_timer_ = deps_.scheduler->RunAfter(wait->limit, Guard([this, what = wait->what, limit = wait->limit] {
    wait_timer_ = TimerHandle();
    wait_reason_.clear();
    Fail(fmt::format("waited {} s for {}", limit.count() / 1000, what), true);
    Reconcile();
  }));
}

void ModemSupervisor::HandleFailedState() {
  switch (info_.failed_reason) {
    case ModemFailedReason::kSimMissing:
    case ModemFailedReason::kSimError: {
      std::string message = info_.failed_reason == ModemFailedReason::kSimMissing ? "SIM missing"
                                                                                    : "SIM present but unusable";
      SetPhase(SupervisorPhase::kNeedsOperator);
      state_.last_error = message;
      if (!sim_missing_reported_) {
        sim_missing_reported_ = true;
        log_.Error("{}: {}", profile_.name, message);
        Emit(ModemEventKind::kSimMissing, message);
      }
      return;
    }
    case ModemFailedReason::kNone:
    case ModemFailedReason::kUnknown:
    case ModemFailedReason::kOther:
      // An unexplained failure: a reset is the only cure ModemManager offers.
      if (!backoff_timer_.armed()) Fail("modem in failed state", true);
      else SetPhase(SupervisorPhase::kBackingOff);
      return;
  }
}

void ModemSupervisor::Hold(std::string message, bool clears_when_unlocked) {
  log_.Error("{}: {}; waiting for an operator", profile_.name, message);
  state_.last_error = message;
  hold_ = OperatorHold{std::move(message), clears_when_unlocked};
  SetPhase(SupervisorPhase::kNeedsOperator);
}

void ModemSupervisor::HandleLock() {
  switch (info_.unlock_required) {
    case SimLock::kSimPin: {
      if (profile_.pin_file.empty()) {
        Hold("SIM PIN required and no pin_file is configured", true);
        return;
      }
      auto pin = deps_.read_secret(profile_.pin_file);
      if (!pin) {
        Hold("cannot read the SIM PIN: " + Describe(pin.error()), true);
        return;
      }
      if (rejected_pin_hash_ && *rejected_pin_hash_ == std::hash<std::string>{}(*pin)) {
        Hold(fmt::format("the SIM rejected the PIN in {}; it is not sent again", profile_.pin_file), true);
        return;
      }
      StartSendPin(*pin);
      return;
    }
    case SimLock::kSimPuk:
      Hold("SIM is PUK-locked", true);
      Emit(ModemEventKind::kPukRequired, "SIM is PUK-locked");
      return;
    case SimLock::kOther:
      Hold("the modem is locked by a code uplinkd does not handle", true);
      return;
    case SimLock::kUnknown:
    case SimLock::kNone:
      SetPhase(SupervisorPhase::kUnlocking);  // ModemManager has not said which lock yet
      return;
  }
}

void ModemSupervisor::StartSendPin(const std::string& pin) {
  operation_ = Operation::kSendPin;
  SetPhase(SupervisorPhase::kUnlocking);
  size_t hash = std::hash<std::string>{}(pin);
  log_.Info("{}: unlocking the SIM with the PIN from {}", profile_.name, profile_.pin_file);
  deps_.edge->SendPin(path_, pin, profile_.recovery.call_timeout, Guard([this, hash](ModemCallResult<void> result) {
    operation_ = Operation::kNone;
    if (result) {
      Expect("SIM unlocked", [](const ModemInfo& info) {
        return info.state != ModemState::kLocked || info.unlock_required != SimLock::kSimPin;
      });
      Reconcile();
      return;
    }
    const ModemCallError& error = result.error();
    switch (error.failure) {
      case ModemCallFailure::kIncorrectPin: {
        rejected_pin_hash_ = hash;
        Hold(fmt::format("the SIM rejected the PIN in {}; it is not sent again", profile_.pin_file), true);
        Emit(ModemEventKind::kPinRejected, "SIM PIN rejected: " + DescribeModemCallError(error));
        break;
      }
      case ModemCallFailure::kPukRequired:
        Hold("SIM is PUK-locked", true);
        Emit(ModemEventKind::kPukRequired, "SIM is PUK-locked");
        break;
      case ModemCallFailure::kWrongState:
      case ModemCallFailure::kInProgress:
      case ModemCallFailure::kGone:
      case ModemCallFailure::kSimMissing:
        // The SIM did not judge this PIN; trying again later costs no attempt.
        Fail("SIM-PIN not accepted for now: " + DescribeModemCallError(error), false);
        break;
      default:
        // A timeout or an unknown error may have consumed an attempt: never guess, ask a human.
        Hold("no clear answer to SIM-PIN (" + DescribeModemCallError(error) + "); not resent to protect the PUK counter",
             true);
        break;
    }
    Reconcile();
  }));
}

void ModemSupervisor::StartEnable(bool enable) {
  operation_ = enable ? Operation::kEnable : Operation::kDisable;
  SetPhase(cycling_ ? SupervisorPhase::kCycling : SupervisorPhase::kEnabling);
  log_.Info("{}: {} the modem", profile_.name, enable ? "enabling" : "disabling");
  deps_.edge->Enable(path_, enable, profile_.recovery.call_timeout, Guard([this, enable](ModemCallResult<void> result) {
    operation_ = Operation::kNone;
    if (result) {
      if (enable) {
        cycling_ = false;
        Expect("modem enabled", [](const ModemInfo& info) {
          return info.state >= ModemState::kEnabled || info.state <= ModemState::kLocked;
        });
      } else {
        Expect("modem disabled", [](const ModemInfo& info) { return info.state <= ModemState::kDisabled; });
      }
      Reconcile();
      return;
    }
    if (!enable && cycling_) {
      // The disable half of an escalation failed: the modem is stuck harder; reset it.
      cycling_ = false;
      log_.Warning("{}: disable failed ({}); resetting instead", profile_.name, DescribeModemCallError(result.error()));
      StartReset();
      Publish();
      return;
    }
    cycling_ = false;
    Fail(fmt::format("{} failed: {}", enable ? "enable" : "disable", DescribeModemCallError(result.error())), true);
    Reconcile();
  }));
}

void ModemSupervisor::StartConnect() {
  ConnectSettings settings;
  settings.apn = profile_.apn.apn;
  settings.ip_type = profile_.apn.ip_type;
  settings.allowed_auth = profile_.apn.allowed_auth;
  settings.user = profile_.apn.user;
  settings.allow_roaming = profile_.apn.allow_roaming;
  if (!profile_.apn.password_file.empty()) {
    auto password = deps_.read_secret(profile_.apn.password_file);
    if (!password) {
      Hold("cannot read the APN password: " + Describe(password.error()), false);
      return;
    }
    settings.password = std::move(*password);
  }
  operation_ = Operation::kConnect;
  abandoned_bearer_.clear();
  SetPhase(SupervisorPhase::kConnecting);
  if (ever_connected_) ++state_.counters.reconnects;
  log_.Info("{}: connecting with APN \"{}\" ({})", profile_.name, settings.apn, BearerIpTypeName(settings.ip_type));
  deps_.edge->Connect(path_, settings, profile_.recovery.connect_timeout,
                      Guard([this](ModemCallResult<std::string> result) {
                        operation_ = Operation::kNone;
                        if (result) {
                          bearer_path_ = *result;
                          Expect("bearer connected", [bearer = *result](const ModemInfo& info) {
                            const BearerInfo* found = info.FindBearer(bearer);
                            return found && found->connected;
                          });
                          Reconcile();
                          return;
                        }
                        const ModemCallError& error = result.error();
                        switch (error.failure) {
                          case ModemCallFailure::kNetworkRejected:
                            // Restarting the modem does not change the network's mind: no escalation.
                            Emit(ModemEventKind::kConnectRejected, DescribeModemCallError(error));
                            Fail("connect rejected: " + DescribeModemCallError(error), false);
                            break;
                          case ModemCallFailure::kIncorrectPin:
                          case ModemCallFailure::kPukRequired:
                          case ModemCallFailure::kSimMissing:
                          case ModemCallFailure::kSimFailure:
                          case ModemCallFailure::kGone:
                            // The SIM or the object changed under us; its new state drives what follows.
                            Fail("connect failed: " + DescribeModemCallError(error), false);
                            break;
                          default:
                            Fail("connect failed: " + DescribeModemCallError(error), true);
                            break;
                        }
                        Reconcile();
                      }));
}

void ModemSupervisor::StartReset(bool by_operator) {
  operation_ = Operation::kReset;
  resetting_ = true;
  SetPhase(SupervisorPhase::kResetting);
  if (!by_operator) {
    ++state_.counters.resets;
    log_.Warning("{}: resetting the modem", profile_.name);
    Emit(ModemEventKind::kEscalatedReset, "Modem.Reset after repeated failures");
  }
  deps_.edge->Reset(path_, profile_.recovery.call_timeout, Guard([this](ModemCallResult<void> result) {
    operation_ = Operation::kNone;
    if (result) {
      // The modem should drop off the bus and come back; if it stays, carry on after a grace.
      ArmBackoff(profile_.recovery.call_timeout);
    } else {
      resetting_ = false;
      Fail("reset failed: " + DescribeModemCallError(result.error()), false);
    }
    Reconcile();
  }));
}

void ModemSupervisor::StartSignalSetup() {
  signal_setup_done_ = true;
  auto rate = static_cast<uint32_t>(profile_.signal_refresh_rate.count());
  if (rate == 0) return;
  deps_.edge->SetupSignal(path_, rate, profile_.recovery.call_timeout, Guard([this](ModemCallResult<void> result) {
    if (!result) {
      log_.Warning("{}: Modem.Signal.Setup failed: {}", profile_.name, DescribeModemCallError(result.error()));
    }
  }));
}

void ModemSupervisor::ApplyBearer(const BearerInfo& bearer) {
  bool v4_static = bearer.ipv4_method == BearerIpMethod::kStatic && bearer.ipv4.has_value();
  bool v6_static = bearer.ipv6_method == BearerIpMethod::kStatic && bearer.ipv6.has_value();
  if (!v4_static && !v6_static) {
    BearerIpMethod method = bearer.ipv4_method != BearerIpMethod::kUnknown ? bearer.ipv4_method : bearer.ipv6_method;
    if ((method == BearerIpMethod::kDhcp || method == BearerIpMethod::kPpp) && deps_.ip_clients) {
      ConfigureThroughClient(bearer, method);
      return;
    }
    std::string message;
    if (method == BearerIpMethod::kPpp) {
      message = fmt::format("bearer on {} needs PPP (pppd on the port); no PPP helper is configured", bearer.interface);
    } else if (method == BearerIpMethod::kDhcp) {
      message = fmt::format("bearer on {} needs DHCP; no DHCP client is configured", bearer.interface);
    } else {
      message = fmt::format("bearer on {} reports no usable IP configuration", bearer.interface);
    }
    bearer_path_ = bearer.path;
    Hold(message, false);
    Emit(ModemEventKind::kUnsupportedBearer, message);
    return;
  }
  if (auto applied = ApplyStaticConfig(bearer); !applied) {
    Fail(fmt::format("cannot configure {}: {}", bearer.interface, Describe(applied.error())), false);
    AbandonBearer(bearer.path);
    return;
  }
  bearer_path_ = bearer.path;
  MarkWanUp(bearer.interface, v4_static ? bearer.ipv4 : std::nullopt, v6_static ? bearer.ipv6 : std::nullopt);
}

void ModemSupervisor::AbandonBearer(const std::string& bearer_path) {
  bearer_path_.clear();
  abandoned_bearer_ = bearer_path;  // until our next connect: its disconnect may show late
  operation_ = Operation::kDisconnect;
  deps_.edge->Disconnect(path_, bearer_path, profile_.recovery.call_timeout, Guard([this](ModemCallResult<void>) {
    operation_ = Operation::kNone;
    Reconcile();
  }));
}

void ModemSupervisor::MarkWanUp(const std::string& interface, std::optional<BearerIpConfig> ipv4,
                                std::optional<BearerIpConfig> ipv6) {
  bool was_up = state_.wan_up;
  state_.wan_up = true;
  state_.bearer_connected = true;
  state_.interface = interface;
  state_.ipv4 = std::move(ipv4);
  state_.ipv6 = std::move(ipv6);
  state_.dns = profile_.apn.dns;
  if (state_.dns.empty()) {
    if (state_.ipv4) state_.dns.insert(state_.dns.end(), state_.ipv4->dns.begin(), state_.ipv4->dns.end());
    if (state_.ipv6) state_.dns.insert(state_.dns.end(), state_.ipv6->dns.begin(), state_.ipv6->dns.end());
  }
  state_.last_error.clear();
  if (profile_.apn.expected_ipv4) {
    bool mismatch = !state_.ipv4 || state_.ipv4->address.address() != *profile_.apn.expected_ipv4;
    if (mismatch) {
      std::string got = state_.ipv4 ? state_.ipv4->address.address().ToString() : "no IPv4 address";
      std::string message = fmt::format("expected fixed IP {}, the bearer has {}",
                                        profile_.apn.expected_ipv4->ToString(), got);
      state_.last_error = message;
      if (!state_.fixed_ip_mismatch) {
        log_.Error("{}: {}", profile_.name, message);
        state_.fixed_ip_mismatch = true;
        Emit(ModemEventKind::kFixedIpMismatch, message);
      }
    } else {
      state_.fixed_ip_mismatch = false;
    }
  }
  SetPhase(SupervisorPhase::kConnected);
  ClearExpectation();
  recovery_.OnSuccess();
  ever_connected_ = true;
  cycling_ = false;
  resetting_ = false;
  backoff_timer_.Cancel();
  Publish();
  if (!was_up) {
    std::string address = state_.ipv4 ? state_.ipv4->address.ToString() : state_.ipv6->address.ToString();
    log_.Notice("{}: Wan up on {} with {}", profile_.name, state_.interface, address);
    Emit(ModemEventKind::kWanUp, fmt::format("{} {}", state_.interface, address));
  }
}

std::string ModemSupervisor::IpClientWhat() const {
  return fmt::format("{} on {}", ip_client_request_.kind == BearerIpClientKind::kDhcp ? "DHCP lease" : "PPP link",
                     ip_client_request_.interface);
}

void ModemSupervisor::ConfigureThroughClient(const BearerInfo& bearer, BearerIpMethod method) {
  bearer_path_ = bearer.path;
  ClearExpectation();  // the bearer is connected; from here the helper's timer bounds the wait
  if (ip_client_ && ip_client_bearer_ == bearer.path) {
    if (!state_.wan_up) SetPhase(SupervisorPhase::kConfiguring);
    return;
  }
  StopIpClient();
  BearerIpClientRequest request;
  request.kind = method == BearerIpMethod::kDhcp ? BearerIpClientKind::kDhcp : BearerIpClientKind::kPpp;
  request.modem_name = profile_.name;
  request.interface = bearer.interface;
  request.ppp_unit = profile_.ppp_unit.value_or(0);
  if (request.kind == BearerIpClientKind::kDhcp) {
    // A DHCP client needs the interface up; nobody else brings a modem's netdev up.
    auto link = deps_.routing->GetLink(bearer.interface);
    Result<void> up = link ? Result<void>{} : Result<void>(tl::unexpected(link.error()));
    if (link && !link->admin_up) up = deps_.routing->SetLinkUp(link->index, true);
    if (!up) {
      Fail(fmt::format("cannot bring {} up for DHCP: {}", bearer.interface, Describe(up.error())), false);
      AbandonBearer(bearer.path);
      return;
    }
  }
  if (request.kind == BearerIpClientKind::kPpp) {
    // With PPP the host authenticates (PAP/CHAP) inside pppd, not the modem.
    request.user = profile_.apn.user;
    if (!profile_.apn.password_file.empty()) {
      auto password = deps_.read_secret(profile_.apn.password_file);
      if (!password) {
        Hold("cannot read the APN password for pppd: " + Describe(password.error()), false);
        return;
      }
      request.password = std::move(*password);
    }
  }
  uint64_t serial = ++ip_client_serial_;
  auto guarded = [this, serial](auto fn) {
    return this->Guard([this, serial, fn](auto&&... args) {
      if (serial != ip_client_serial_ || !ip_client_) return;
      (this->*fn)(std::forward<decltype(args)>(args)...);
    });
  };
  BearerIpClient::Listener listener;
  listener.configured = guarded(&ModemSupervisor::OnIpClientConfigured);
  listener.lost = guarded(&ModemSupervisor::OnIpClientLost);
  listener.exited = guarded(&ModemSupervisor::OnIpClientExited);
  ip_client_request_ = request;
  auto client = deps_.ip_clients->Start(request, std::move(listener));
  request.password.clear();
  ip_client_request_.password.clear();
  if (!client) {
    Fail(fmt::format("cannot start the {} helper for {}: {}", BearerIpClientKindName(request.kind), bearer.interface,
                     Describe(client.error())),
         false);
    AbandonBearer(bearer.path);
    return;
  }
  ip_client_ = std::move(*client);
  ip_client_bearer_ = bearer.path;
  ip_lease_ = false;
  log_.Info("{}: bearer on {} uses {}: helper started", profile_.name, bearer.interface,
            BearerIpClientKindName(request.kind));
  SetPhase(SupervisorPhase::kConfiguring);
  ArmIpClientTimer();
}

void ModemSupervisor::ArmIpClientTimer() {
  ip_client_timer_ = deps_.scheduler->RunAfter(profile_.recovery.ip_config_timeout, Guard([this] {
    ip_client_timer_ = TimerHandle();
    OnIpClientTimeout();
  }));
}

void ModemSupervisor::OnIpClientConfigured(const BearerIpLease& lease) {
  const BearerInfo* bearer = info_.FindBearer(ip_client_bearer_);
  if (!bearer || !bearer->connected || !RegisteredForData()) {
    Reconcile();  // stops the helper
    return;
  }
  if (!lease.applied_by_client) {
    if (auto applied = ApplyAddresses(lease.interface, {lease.ipv4.address}, lease.ipv4.mtu); !applied) {
      std::string message = fmt::format("cannot apply the {}: {}", IpClientWhat(), Describe(applied.error()));
      std::string served = ip_client_bearer_;
      if (state_.wan_up) MarkWanDown(message, true);
      StopIpClient();
      Fail(message, false);
      AbandonBearer(served);
      Reconcile();
      return;
    }
  }
  ip_client_timer_.Cancel();
  ip_lease_ = true;
  bearer_path_ = ip_client_bearer_;
  MarkWanUp(lease.interface, lease.ipv4, std::nullopt);
}

void ModemSupervisor::OnIpClientLost(const std::string& reason) {
  std::string message = fmt::format("{} lost: {}", IpClientWhat(), reason);
  ip_lease_ = false;
  if (state_.wan_up) {
    MarkWanDown(message, true, SupervisorPhase::kConfiguring);
  } else {
    RemoveAppliedAddresses();
    state_.last_error = message;
    SetPhase(SupervisorPhase::kConfiguring);
  }
  log_.Warning("{}: {}; the helper keeps trying", profile_.name, message);
  ArmIpClientTimer();
  Publish();
}

void ModemSupervisor::OnIpClientExited(const std::string& reason) {
  std::string message = fmt::format("{} helper exited: {}", BearerIpClientKindName(ip_client_request_.kind), reason);
  std::string served = ip_client_bearer_;
  StopIpClient();
  if (state_.wan_up) {
    // Bearer lost as far as traffic goes: down at once, then the normal recovery.
    MarkWanDown(message, true);
    ArmBackoff(recovery_.DelayAfterDrop());
  } else {
    Fail(message, true);
  }
  AbandonBearer(served);
  Reconcile();
}

void ModemSupervisor::OnIpClientTimeout() {
  std::string message = fmt::format("no {} within {} s", IpClientWhat(),
                                    profile_.recovery.ip_config_timeout.count() / 1000);
  std::string served = ip_client_bearer_;
  StopIpClient();
  Fail(message, true);
  AbandonBearer(served);
  Reconcile();
}

void ModemSupervisor::StopIpClient() {
  if (ip_client_) log_.Info("{}: stopping the {} helper", profile_.name, BearerIpClientKindName(ip_client_request_.kind));
  ++ip_client_serial_;
  ip_client_.reset();
  ip_client_bearer_.clear();
  ip_lease_ = false;
  ip_client_timer_.Cancel();
}

Result<void> ModemSupervisor::ApplyStaticConfig(const BearerInfo& bearer) {
  bool v4 = bearer.ipv4_method == BearerIpMethod::kStatic && bearer.ipv4;
  bool v6 = bearer.ipv6_method == BearerIpMethod::kStatic && bearer.ipv6;
  uint32_t mtu = v4 && bearer.ipv4->mtu ? bearer.ipv4->mtu : (v6 ? bearer.ipv6->mtu : 0);
  std::vector<net::IpPrefix> desired;
  if (v4) desired.push_back(bearer.ipv4->address);
  if (v6) desired.push_back(bearer.ipv6->address);
  return ApplyAddresses(bearer.interface, desired, mtu);
}

Result<void> ModemSupervisor::ApplyAddresses(const std::string& interface, const std::vector<net::IpPrefix>& desired,
                                             uint32_t mtu) {
  net::RoutingEdge& routing = *deps_.routing;
  auto link = routing.GetLink(interface);
  if (!link) return tl::unexpected(link.error());
  if (mtu != 0 && link->mtu != mtu) {
    if (auto done = routing.SetMtu(link->index, mtu); !done) return done;
  }
  for (const auto& old : applied_addresses_) {
    if (applied_link_index_ != link->index || std::find(desired.begin(), desired.end(), old) == desired.end()) {
      if (auto removed = routing.RemoveAddress({applied_link_index_, old}); !removed) {
        log_.Warning("{}: cannot remove old address {}: {}", profile_.name, old.ToString(), Describe(removed.error()));
      }
    }
  }
  applied_addresses_.clear();
  applied_link_index_ = link->index;
  for (const auto& prefix : desired) {
    if (auto added = routing.AddAddress({link->index, prefix}); !added) return added;
    applied_addresses_.push_back(prefix);
  }
  if (!link->admin_up) {
    if (auto up = routing.SetLinkUp(link->index, true); !up) return up;
  }
  return {};
}

void ModemSupervisor::RemoveAppliedAddresses() {
  for (const auto& prefix : applied_addresses_) {
    if (auto removed = deps_.routing->RemoveAddress({applied_link_index_, prefix}); !removed) {
      // The link itself may be gone with the modem; nothing left to clean then.
      log_.Debug("{}: removing {}: {}", profile_.name, prefix.ToString(), Describe(removed.error()));
    }
  }
  applied_addresses_.clear();
}

void ModemSupervisor::Fail(const std::string& message, bool escalatable) {
  ++state_.counters.connect_failures;
  state_.last_error = message;
  log_.Warning("{}: {}", profile_.name, message);
  RecoveryPolicy::Decision decision = recovery_.OnFailure(deps_.scheduler->Now(), escalatable);
  switch (decision.action) {
    case RecoveryPolicy::Action::kRetry:
      ArmBackoff(decision.delay);
      SetPhase(SupervisorPhase::kBackingOff);
      log_.Info("{}: next attempt in {} ms", profile_.name, decision.delay.count());
      return;
    case RecoveryPolicy::Action::kCycle:
      ++state_.counters.cycles;
      Emit(ModemEventKind::kEscalatedCycle, "disable/enable after repeated failures");
      if (info_.state >= ModemState::kEnabled) {
        cycling_ = true;
        StartEnable(false);
      } else if (info_.state == ModemState::kDisabled || info_.state == ModemState::kLocked) {
        // Nothing to cycle: the normal path enables it again after a pause.
        ArmBackoff(recovery_.DelayAfterDrop());
      } else {
        StartReset();  // failed, or stuck in a transition: only a reset helps
      }
      return;
    case RecoveryPolicy::Action::kReset:
      StartReset();
      return;
  }
}

void ModemSupervisor::ArmBackoff(std::chrono::milliseconds delay) {
  backoff_timer_ = deps_.scheduler->RunAfter(delay, Guard([this] {
    backoff_timer_ = TimerHandle();  // fired: no longer armed
    resetting_ = false;
    Reconcile();
  }));
}

void ModemSupervisor::Expect(std::string what, std::function<bool(const ModemInfo&)> met) {
  expectation_ = Expectation{what, std::move(met)};
  expectation_timer_ = deps_.scheduler->RunAfter(profile_.recovery.call_timeout, Guard([this, what] {
    expectation_timer_ = TimerHandle();
    expectation_.reset();
    Fail("ModemManager did not report " + what + " in time", true);
    Reconcile();
  }));
}

void ModemSupervisor::ClearExpectation() {
  expectation_.reset();
  expectation_timer_.Cancel();
}

const char* ModemSupervisor::OperationName(Operation operation) {
  switch (operation) {
    case Operation::kNone: return "no";
    case Operation::kSendPin: return "SIM-PIN";
    case Operation::kEnable: return "enable";
    case Operation::kDisable: return "disable";
    case Operation::kConnect: return "connect";
    case Operation::kDisconnect: return "disconnect";
    case Operation::kReset: return "reset";
  }
  return "unknown";
}

Result<void> ModemSupervisor::CheckOperatorAction(const char* action) const {
  auto refuse = [&](const std::string& why) {
    return MakeError(ErrorCode::kUnavailable, fmt::format("{}: cannot {} now: {}", profile_.name, action, why));
  };
  if (path_.empty()) return refuse(resetting_ ? "the modem is resetting (off the bus)" : "the modem is absent");
  if (operation_ != Operation::kNone) {
    return refuse(fmt::format("a {} call is under way; try again after its answer", OperationName(operation_)));
  }
  if (resetting_) return refuse("a reset is under way");
  if (cycling_) return refuse("a disable/enable cycle is under way");
  return {};
}

Result<void> ModemSupervisor::ResumeAfterOperator() {
  if (auto ready = CheckOperatorAction("resume"); !ready) return ready;
  if (!hold_) {
    if (state_.phase == SupervisorPhase::kNeedsOperator) {
      return MakeError(ErrorCode::kRejected, fmt::format("{}: {}: nothing to resume; uplinkd goes on by itself as soon "
                                                         "as ModemManager reports it fixed",
                                                         profile_.name, state_.last_error));
    }
    return MakeError(ErrorCode::kRejected, fmt::format("{} is not waiting for an operator (phase {})", profile_.name,
                                                       SupervisorPhaseName(state_.phase)));
  }
  if (rejected_pin_hash_ && info_.state == ModemState::kLocked && info_.unlock_required == SimLock::kSimPin) {
    auto pin = deps_.read_secret(profile_.pin_file);
    if (!pin) {
      return MakeError(ErrorCode::kRejected, fmt::format("{}: cannot read the SIM PIN: {}", profile_.name,
                                                         Describe(pin.error())));
    }
    if (std::hash<std::string>{}(*pin) == *rejected_pin_hash_) {
      return MakeError(ErrorCode::kRejected,
                       fmt::format("{} still holds the PIN the SIM rejected; fix it first", profile_.pin_file));
    }
  }
  log_.Notice("{}: resumed by the operator", profile_.name);
  Emit(ModemEventKind::kOperatorResume, "resumed by the operator after: " + hold_->message);
  hold_.reset();
  state_.last_error.clear();
  recovery_.OnSuccess();
  backoff_timer_.Cancel();
  Reconcile();
  return {};
}

Result<void> ModemSupervisor::Reconnect() {
  if (auto ready = CheckOperatorAction("reconnect"); !ready) return ready;
  if (hold_ || state_.phase == SupervisorPhase::kNeedsOperator) {
    return MakeError(ErrorCode::kRejected, fmt::format("{} waits for an operator ({}); fix that and resume it instead",
                                                       profile_.name, state_.last_error));
  }
  log_.Notice("{}: reconnect requested by the operator", profile_.name);
  Emit(ModemEventKind::kOperatorReconnect, "the operator asked to reconnect");
  // An operator's request is not a failure: back-off and escalation start afresh.
  recovery_.OnSuccess();
  backoff_timer_.Cancel();
  ClearExpectation();
  const BearerInfo* bearer = ActiveBearer();
  std::string bearer_path = bearer ? bearer->path : ip_client_bearer_;
  if (state_.wan_up) MarkWanDown("reconnect requested by the operator", false, SupervisorPhase::kConnecting);
  StopIpClient();
  // Disconnected and marked abandoned, so the old bearer is not adopted again before it is gone.
  if (!bearer_path.empty()) AbandonBearer(bearer_path);
  SetPhase(SupervisorPhase::kConnecting);
  Reconcile();
  return {};
}

Result<void> ModemSupervisor::Reset() {
  if (auto ready = CheckOperatorAction("reset"); !ready) return ready;
  log_.Notice("{}: Modem.Reset requested by the operator", profile_.name);
  Emit(ModemEventKind::kOperatorReset, "the operator asked for Modem.Reset");
  recovery_.OnSuccess();
  backoff_timer_.Cancel();
  ClearExpectation();
  // The bearer stays connected until the modem drops off the bus: not to be adopted again.
  if (const BearerInfo* bearer = ActiveBearer()) abandoned_bearer_ = bearer->path;
  if (state_.wan_up) MarkWanDown("reset requested by the operator", false, SupervisorPhase::kResetting);
  StopIpClient();
  StartReset(/*by_operator=*/true);
  Reconcile();
  return {};
}

void ModemSupervisor::Shutdown() {
  StopIpClient();  // pppd ends its PPP session; udhcpc stops (the address below is removed anyway)
  ++generation_;
  backoff_timer_.Cancel();
  wait_timer_.Cancel();
  ClearExpectation();
  operation_ = Operation::kNone;
  RemoveAppliedAddresses();
  state_.wan_up = false;
  state_.last_error = "stopped";
  SetPhase(SupervisorPhase::kAbsent);
  Publish();
}

}  // namespace uplinkd::modem
