#include "tests/lab/mockmm/mock_modem.h"

#include <ModemManager.h>

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "base/logger.h"

namespace uplinkd::lab {
namespace {

const Logger kLog(LogModule::kLab);

constexpr uint32_t kDefaultPukRetries = 10;
constexpr uint32_t kDefaultPinRetries = 3;

const char* LockName(uint32_t lock) {
  switch (lock) {
    case MM_MODEM_LOCK_NONE: return "none";
    case MM_MODEM_LOCK_SIM_PIN: return "sim-pin";
    case MM_MODEM_LOCK_SIM_PUK: return "sim-puk";
    default: return "unknown";
  }
}

uint32_t AccessTechnologyBits(AccessTechnology technology) {
  switch (technology) {
    case AccessTechnology::kGsm: return MM_MODEM_ACCESS_TECHNOLOGY_GSM;
    case AccessTechnology::kUmts: return MM_MODEM_ACCESS_TECHNOLOGY_UMTS;
    case AccessTechnology::kLte: return MM_MODEM_ACCESS_TECHNOLOGY_LTE;
    // 5G non-standalone, what ModemManager reports for most 5G modems today.
    case AccessTechnology::kNr5g: return MM_MODEM_ACCESS_TECHNOLOGY_LTE | MM_MODEM_ACCESS_TECHNOLOGY_5GNR;
  }
  return MM_MODEM_ACCESS_TECHNOLOGY_UNKNOWN;
}

uint32_t RegistrationStateFor(NetworkRegistration registration) {
  switch (registration) {
    case NetworkRegistration::kHome: return MM_MODEM_3GPP_REGISTRATION_STATE_HOME;
    case NetworkRegistration::kRoaming: return MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING;
    case NetworkRegistration::kSearching: return MM_MODEM_3GPP_REGISTRATION_STATE_SEARCHING;
    case NetworkRegistration::kIdle: return MM_MODEM_3GPP_REGISTRATION_STATE_IDLE;
    case NetworkRegistration::kDenied: return MM_MODEM_3GPP_REGISTRATION_STATE_DENIED;
  }
  return MM_MODEM_3GPP_REGISTRATION_STATE_UNKNOWN;
}

// Plausible radio values for a 0-100 % quality, so a modem looks consistent before SetSignal.
MockSignalValues SignalValuesForQuality(uint32_t quality) {
  double q = static_cast<double>(quality);
  return MockSignalValues{.rssi = -110.0 + 0.5 * q, .rsrp = -125.0 + 0.5 * q, .rsrq = -20.0 + 0.1 * q,
                          .snr = -5.0 + 0.3 * q};
}

std::string Iso8601(std::chrono::system_clock::time_point when) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S+00:00", &utc);
  return text;
}

bool SameOptional(const auto& a, const auto& b) { return a == b; }

const std::vector<ModemInterface> kLockedInterfaces = {ModemInterface::kModem, ModemInterface::kSimple,
                                                       ModemInterface::kModem3gpp};
const std::vector<ModemInterface> kBaseInterfaces = {ModemInterface::kModem, ModemInterface::kSimple};
const std::vector<ModemInterface> kAllInterfaces = {ModemInterface::kModem, ModemInterface::kSimple,
                                                    ModemInterface::kModem3gpp, ModemInterface::kSignal,
                                                    ModemInterface::kMessaging};

}  // namespace

const char* ModemStateName(int32_t state) {
  switch (state) {
    case MM_MODEM_STATE_FAILED: return "failed";
    case MM_MODEM_STATE_INITIALIZING: return "initializing";
    case MM_MODEM_STATE_LOCKED: return "locked";
    case MM_MODEM_STATE_DISABLED: return "disabled";
    case MM_MODEM_STATE_DISABLING: return "disabling";
    case MM_MODEM_STATE_ENABLING: return "enabling";
    case MM_MODEM_STATE_ENABLED: return "enabled";
    case MM_MODEM_STATE_SEARCHING: return "searching";
    case MM_MODEM_STATE_REGISTERED: return "registered";
    case MM_MODEM_STATE_DISCONNECTING: return "disconnecting";
    case MM_MODEM_STATE_CONNECTING: return "connecting";
    case MM_MODEM_STATE_CONNECTED: return "connected";
    default: return "unknown";
  }
}

std::optional<NetworkRegistration> NetworkRegistrationFromName(std::string_view name) {
  if (name == "home") return NetworkRegistration::kHome;
  if (name == "roaming") return NetworkRegistration::kRoaming;
  if (name == "searching") return NetworkRegistration::kSearching;
  if (name == "idle") return NetworkRegistration::kIdle;
  if (name == "denied") return NetworkRegistration::kDenied;
  return std::nullopt;
}

// One Simple.Connect call walking ModemManager's steps: unlock, enable, register, bearer, connect.
struct MockModem::ConnectOperation {
  enum class Step { kUnlock, kEnable, kRegister, kBearer, kConnect };
  ConnectRequest request;
  ConnectDone done;
  Step step = Step::kUnlock;
  bool finished = false;
  TimerHandle registration_timeout;
  uint32_t bearer_id = 0;
};

MockModem::MockModem(MockModemConfig config, uint32_t index, MockModemEnvironment environment)
    : config_(std::move(config)),
      index_(index),
      scheduler_(environment.scheduler),
      ids_(environment.ids),
      observer_(environment.observer),
      wall_clock_(std::move(environment.wall_clock)) {
  if (!wall_clock_) wall_clock_ = [] { return std::chrono::system_clock::now(); };
  sim_pin_ = config_.sim.pin.value_or("0000");
  pin_enabled_ = config_.sim.pin.has_value();
  sim_puk_ = config_.sim.puk.value_or("12345678");
  configured_quality_ = config_.signal_quality;
  signal_values_ = SignalValuesForQuality(configured_quality_);
  state_ = MM_MODEM_STATE_UNKNOWN;
}

MockModem::~MockModem() = default;

// ---------------------------------------------------------------------------------------------
// Plug and unplug

void MockModem::Plug() {
  if (present_) return;
  modem_dbus_id_ = ids_.next_modem++;
  sim_dbus_id_ = ids_.next_sim++;
  enabled_ = false;
  phase_ = Phase::kIdle;
  lock_ = pin_enabled_ ? MM_MODEM_LOCK_SIM_PIN : MM_MODEM_LOCK_NONE;
  pin_retries_ = kDefaultPinRetries;
  sim_identity_loaded_ = lock_ == MM_MODEM_LOCK_NONE;
  interfaces_ = lock_ == MM_MODEM_LOCK_NONE ? kAllInterfaces : kLockedInterfaces;
  registration_state_ = MM_MODEM_3GPP_REGISTRATION_STATE_UNKNOWN;
  exposed_operator_code_.clear();
  exposed_operator_name_.clear();
  access_technologies_ = MM_MODEM_ACCESS_TECHNOLOGY_UNKNOWN;
  packet_service_state_ = MM_MODEM_3GPP_PACKET_SERVICE_STATE_UNKNOWN;
  signal_quality_ = 0;
  signal_recent_ = false;
  signal_recent_timeout_.Cancel();
  power_state_ = MM_MODEM_POWER_STATE_LOW;
  signal_rate_ = 0;
  reported_signal_.reset();
  state_ = ComputeState();
  present_ = true;
  kLog.Info("{}: plugged as Modem/{} ({}), SIM/{}", config_.id, modem_dbus_id_, StateName(), sim_dbus_id_);
  observer_.ModemPlugged(*this);
}

void MockModem::Unplug() {
  reset_timer_.Cancel();
  UnplugNow();
}

void MockModem::UnplugNow() {
  if (!present_) return;
  kLog.Info("{}: unplugged (was Modem/{})", config_.id, modem_dbus_id_);
  // Take every pending completion first: they are answered after the objects are gone.
  std::vector<Done> waiters = std::move(phase_waiters_);
  phase_waiters_.clear();
  std::vector<std::pair<Done, bool>> bearer_waiters;  // (callback, was a connect attempt)
  for (auto& bearer : bearers_) {
    if (bearer->on_done) {
      bearer_waiters.emplace_back(std::move(bearer->on_done), bearer->status == BearerStatus::kConnecting);
    }
    bearer->step.Cancel();
  }
  auto connects = std::move(connects_);
  connects_.clear();

  observer_.ModemUnplugged(*this);
  present_ = false;
  bearers_.clear();
  messages_.clear();
  phase_step_.Cancel();
  deferred_unregistration_.Cancel();
  signal_recent_timeout_.Cancel();
  phase_ = Phase::kIdle;
  enabled_ = false;
  state_ = MM_MODEM_STATE_UNKNOWN;

  MockError gone{mm_error::kCoreAborted, "Modem removed"};
  for (auto& waiter : waiters) waiter(tl::unexpected(gone));
  for (auto& [waiter, was_connect] : bearer_waiters) waiter(tl::unexpected(gone));
  for (auto& operation : connects) FinishConnect(operation, tl::unexpected(gone));
}

// ---------------------------------------------------------------------------------------------
// State

int32_t MockModem::ComputeState() const {
  if (lock_ != MM_MODEM_LOCK_NONE) return MM_MODEM_STATE_LOCKED;
  if (phase_ == Phase::kInitializing) return MM_MODEM_STATE_INITIALIZING;
  if (phase_ == Phase::kEnabling) return MM_MODEM_STATE_ENABLING;
  if (phase_ == Phase::kDisabling) return MM_MODEM_STATE_DISABLING;
  if (!enabled_) return MM_MODEM_STATE_DISABLED;
  // While a bearer is up, registration changes do not move the modem away from CONNECTED.
  bool connecting = false;
  bool disconnecting = false;
  for (const auto& bearer : bearers_) {
    if (bearer->status == BearerStatus::kConnected) return MM_MODEM_STATE_CONNECTED;
    connecting |= bearer->status == BearerStatus::kConnecting;
    disconnecting |= bearer->status == BearerStatus::kDisconnecting;
  }
  if (connecting) return MM_MODEM_STATE_CONNECTING;
  if (disconnecting) return MM_MODEM_STATE_DISCONNECTING;
  switch (registration_state_) {
    case MM_MODEM_3GPP_REGISTRATION_STATE_HOME:
    case MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING:
      return MM_MODEM_STATE_REGISTERED;
    case MM_MODEM_3GPP_REGISTRATION_STATE_SEARCHING:
      return MM_MODEM_STATE_SEARCHING;
    default:
      return MM_MODEM_STATE_ENABLED;
  }
}

void MockModem::UpdateState(uint32_t reason) {
  int32_t next = ComputeState();
  if (next == state_ || !present_) {
    state_ = next;
    return;
  }
  int32_t old = state_;
  state_ = next;
  kLog.Info("{}: state changed ({} -> {})", config_.id, ModemStateName(old), ModemStateName(next));
  observer_.ModemStateChanged(*this, old, next, reason);
  observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "State");
}

std::string MockModem::StateName() const { return present_ ? ModemStateName(state_) : "removed"; }

bool MockModem::IsRegistered() const {
  return enabled_ && phase_ == Phase::kIdle &&
         (registration_state_ == MM_MODEM_3GPP_REGISTRATION_STATE_HOME ||
          registration_state_ == MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING);
}

bool MockModem::HasInterface(ModemInterface interface) const {
  return std::find(interfaces_.begin(), interfaces_.end(), interface) != interfaces_.end();
}

void MockModem::SetInterfaces(std::vector<ModemInterface> interfaces) {
  if (interfaces == interfaces_) return;
  interfaces_ = std::move(interfaces);
  if (present_) observer_.ModemInterfacesChanged(*this);
}

void MockModem::SetSignalQuality(uint32_t quality, bool recent) {
  if (signal_quality_ != quality || signal_recent_ != recent) {
    signal_quality_ = quality;
    signal_recent_ = recent;
    if (present_) observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "SignalQuality");
  }
  signal_recent_timeout_.Cancel();
  // A disabled modem's last reading (0) ages; an enabled one keeps being refreshed.
  if (recent && !enabled_) {
    signal_recent_timeout_ = scheduler_.RunAfter(kSignalRecent, [this] {
      signal_recent_timeout_ = TimerHandle();
      SetSignalQuality(signal_quality_, false);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Enable and disable

void MockModem::Enable(bool enable, Done done) {
  if (!present_) return done(MockFailure(mm_error::kCoreWrongState, "Modem not available"));
  if (enable) {
    if (lock_ != MM_MODEM_LOCK_NONE) {
      return done(MockFailure(mm_error::kCoreWrongState, "Cannot enable modem: device locked"));
    }
    if (phase_ == Phase::kInitializing) {
      return done(MockFailure(mm_error::kCoreWrongState, "Cannot enable modem: device not fully initialized yet"));
    }
    if (phase_ == Phase::kEnabling) {
      return done(MockFailure(mm_error::kCoreInProgress, "Cannot enable modem: already being enabled"));
    }
    if (phase_ == Phase::kDisabling) {
      return done(MockFailure(mm_error::kCoreWrongState, "Cannot enable modem: currently being disabled"));
    }
    if (enabled_) return done({});
    return StartEnable(std::move(done));
  }

  if (lock_ != MM_MODEM_LOCK_NONE || (!enabled_ && phase_ == Phase::kIdle)) return done({});
  if (phase_ == Phase::kInitializing) {
    return done(MockFailure(mm_error::kCoreWrongState, "Cannot disable modem: device not fully initialized yet"));
  }
  if (phase_ == Phase::kDisabling) {
    return done(MockFailure(mm_error::kCoreInProgress, "Cannot disable modem: already being disabled"));
  }
  if (phase_ == Phase::kEnabling) {
    return done(MockFailure(mm_error::kCoreWrongState, "Cannot disable modem: currently being enabled"));
  }
  // Connection attempts in flight lose their modem.
  auto connects = std::move(connects_);
  connects_.clear();
  phase_ = Phase::kDisabling;
  phase_waiters_.push_back(std::move(done));
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
  phase_step_ = scheduler_.RunAfter(std::chrono::milliseconds(0), [this] { FinishDisable(); });
  for (auto& operation : connects) {
    FinishConnect(operation, MockFailure(mm_error::kCoreAborted, "Connection aborted: modem disabled"));
  }
}

void MockModem::StartEnable(Done done) {
  phase_ = Phase::kEnabling;
  phase_waiters_.push_back(std::move(done));
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
  phase_step_ = scheduler_.RunAfter(std::chrono::milliseconds(0), [this] { FinishEnable(); });
}

void MockModem::FinishEnable() {
  phase_ = Phase::kIdle;
  enabled_ = true;
  Update(power_state_, static_cast<uint32_t>(MM_MODEM_POWER_STATE_ON), ModemInterface::kModem, "PowerState");
  SetSignalQuality(configured_quality_, true);
  Update(packet_service_state_, static_cast<uint32_t>(MM_MODEM_3GPP_PACKET_SERVICE_STATE_DETACHED),
         ModemInterface::kModem3gpp, "PacketServiceState");
  NotifySignalValues();
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
  // The enable reply comes when the modem is ENABLED; registration follows on its own.
  auto waiters = std::move(phase_waiters_);
  phase_waiters_.clear();
  phase_step_ = scheduler_.RunAfter(std::chrono::milliseconds(0), [this] { ApplyRegistration(); });
  for (auto& waiter : waiters) waiter({});
}

void MockModem::FinishDisable() {
  ForceDisconnectAll("", "");
  ClearRegistration();
  deferred_unregistration_.Cancel();
  enabled_ = false;
  // ModemManager reports a fresh reading of 0 on disable.
  SetSignalQuality(0, true);
  NotifySignalValues();
  Update(power_state_, static_cast<uint32_t>(MM_MODEM_POWER_STATE_LOW), ModemInterface::kModem, "PowerState");
  phase_ = Phase::kIdle;
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
  auto waiters = std::move(phase_waiters_);
  phase_waiters_.clear();
  for (auto& waiter : waiters) waiter({});
}

MockStatus MockModem::SetPowerState(uint32_t power_state) {
  if (power_state != MM_MODEM_POWER_STATE_OFF && power_state != MM_MODEM_POWER_STATE_LOW &&
      power_state != MM_MODEM_POWER_STATE_ON) {
    return MockFailure(mm_error::kCoreInvalidArgs, "Invalid power state");
  }
  if (enabled_ || phase_ != Phase::kIdle) {
    return MockFailure(mm_error::kCoreWrongState, "Cannot set power state: modem must be disabled");
  }
  Update(power_state_, power_state, ModemInterface::kModem, "PowerState");
  return {};
}

MockStatus MockModem::Reset() {
  if (!present_) return MockFailure(mm_error::kCoreWrongState, "Modem not available");
  // A reset modem drops off the bus and comes back as a new object, like real hardware.
  reset_timer_ = scheduler_.RunAfter(std::chrono::milliseconds(0), [this] {
    UnplugNow();
    reset_timer_ = scheduler_.RunAfter(kResetTime, [this] { Plug(); });
  });
  return {};
}

// ---------------------------------------------------------------------------------------------
// Registration

void MockModem::ApplyRegistration() {
  if (!present_ || !enabled_ || phase_ != Phase::kIdle) return;
  uint32_t registration = RegistrationStateFor(network_);
  bool registered = network_ == NetworkRegistration::kHome || network_ == NetworkRegistration::kRoaming;
  Update(registration_state_, registration, ModemInterface::kModem3gpp, "RegistrationState");
  Update(exposed_operator_code_, registered ? config_.operator_code : std::string(), ModemInterface::kModem3gpp,
         "OperatorCode");
  Update(exposed_operator_name_, registered ? config_.operator_name : std::string(), ModemInterface::kModem3gpp,
         "OperatorName");
  Update(access_technologies_, registered ? AccessTechnologyBits(config_.access_technology) : 0u,
         ModemInterface::kModem, "AccessTechnologies");
  Update(packet_service_state_,
         static_cast<uint32_t>(registered ? MM_MODEM_3GPP_PACKET_SERVICE_STATE_ATTACHED
                                          : MM_MODEM_3GPP_PACKET_SERVICE_STATE_DETACHED),
         ModemInterface::kModem3gpp, "PacketServiceState");
  CheckRegistrationForBearers();
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_UNKNOWN);
  if (registered) ResumeConnectsWaitingForRegistration();
}

void MockModem::ClearRegistration() {
  Update(registration_state_, static_cast<uint32_t>(MM_MODEM_3GPP_REGISTRATION_STATE_UNKNOWN),
         ModemInterface::kModem3gpp, "RegistrationState");
  Update(exposed_operator_code_, std::string(), ModemInterface::kModem3gpp, "OperatorCode");
  Update(exposed_operator_name_, std::string(), ModemInterface::kModem3gpp, "OperatorName");
  Update(access_technologies_, 0u, ModemInterface::kModem, "AccessTechnologies");
  Update(packet_service_state_, static_cast<uint32_t>(MM_MODEM_3GPP_PACKET_SERVICE_STATE_UNKNOWN),
         ModemInterface::kModem3gpp, "PacketServiceState");
}

// What ModemManager's bearers do on a registration change: roaming without permission drops the
// bearer at once; losing registration (idle, denied, unknown) drops it after a grace period;
// searching keeps it.
void MockModem::CheckRegistrationForBearers() {
  switch (registration_state_) {
    case MM_MODEM_3GPP_REGISTRATION_STATE_HOME:
    case MM_MODEM_3GPP_REGISTRATION_STATE_SEARCHING:
      deferred_unregistration_.Cancel();
      return;
    case MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING: {
      deferred_unregistration_.Cancel();
      for (auto& bearer : bearers_) {
        if (bearer->allow_roaming == false && bearer->status != BearerStatus::kDisconnected) {
          kLog.Info("{}: Bearer/{} not allowed to roam, disconnecting", config_.id, bearer->dbus_id);
          if (bearer->on_done) {
            auto done = std::move(bearer->on_done);
            bearer->step.Cancel();
            SetBearerDisconnected(*bearer);
            done(MockFailure(mm_error::kCoreUnauthorized,
                             "Not allowed to connect bearer in 3GPP network: 'Registered in roaming network, "
                             "and roaming not allowed'"));
          } else {
            SetBearerDisconnected(*bearer);
          }
        }
      }
      UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
      return;
    }
    default:
      break;
  }
  bool any_connected = std::any_of(bearers_.begin(), bearers_.end(),
                                   [](const auto& b) { return b->status == BearerStatus::kConnected; });
  if (!any_connected || deferred_unregistration_.armed()) return;
  kLog.Info("{}: connected but not registered, disconnecting in {}s", config_.id, kDeferredUnregistration.count());
  deferred_unregistration_ = scheduler_.RunAfter(kDeferredUnregistration, [this] {
    deferred_unregistration_ = TimerHandle();
    ForceDisconnectAll("", "");
  });
}

void MockModem::NetworkDetach() {
  network_ = NetworkRegistration::kSearching;
  if (!present_ || !enabled_ || phase_ != Phase::kIdle) return;
  // Registration first (the modem stays CONNECTED while a bearer is up), then the network tears
  // the bearer down: one CONNECTED -> SEARCHING transition, as a modem reports a detach.
  ApplyRegistration();
  ForceDisconnectAll("", "");
}

void MockModem::SetNetworkRegistration(NetworkRegistration registration) {
  network_ = registration;
  ApplyRegistration();
}

MockStatus MockModem::RegisterWithOperator(const std::string& operator_id) {
  if (!enabled_) return MockFailure(mm_error::kCoreWrongState, "Cannot register: modem not enabled");
  if (!operator_id.empty() && operator_id != config_.operator_code) {
    return MockFailure(mm_error::kNetworkNotAllowed, "Network not allowed - emergency calls only");
  }
  ApplyRegistration();
  return {};
}

// ---------------------------------------------------------------------------------------------
// Bearers

const MockBearer* MockModem::FindBearer(uint32_t bearer_id) const {
  for (const auto& bearer : bearers_) {
    if (bearer->dbus_id == bearer_id) return bearer.get();
  }
  return nullptr;
}

MockBearer* MockModem::MutableBearer(uint32_t bearer_id) { return const_cast<MockBearer*>(FindBearer(bearer_id)); }

uint32_t MockModem::ResolveIpType(std::optional<uint32_t> requested) const {
  if (requested && (*requested == MM_BEARER_IP_FAMILY_IPV4 || *requested == MM_BEARER_IP_FAMILY_IPV6 ||
                    *requested == MM_BEARER_IP_FAMILY_IPV4V6)) {
    return *requested;
  }
  return config_.ipv6 ? MM_BEARER_IP_FAMILY_IPV4V6 : MM_BEARER_IP_FAMILY_IPV4;
}

MockBearer* MockModem::FindMatchingBearer(const ConnectRequest& request) {
  uint32_t ip_type = ResolveIpType(request.ip_type);
  for (auto& bearer : bearers_) {
    if (bearer->apn == request.apn && bearer->ip_type == ip_type && SameOptional(bearer->user, request.user) &&
        SameOptional(bearer->password, request.password) && SameOptional(bearer->allowed_auth, request.allowed_auth) &&
        SameOptional(bearer->allow_roaming, request.allow_roaming)) {
      return bearer.get();
    }
  }
  return nullptr;
}

MockResult<MockBearer*> MockModem::AddBearer(const ConnectRequest& request) {
  if (request.ip_type && *request.ip_type != MM_BEARER_IP_FAMILY_NONE && *request.ip_type != MM_BEARER_IP_FAMILY_IPV4 &&
      *request.ip_type != MM_BEARER_IP_FAMILY_IPV6 && *request.ip_type != MM_BEARER_IP_FAMILY_IPV4V6 &&
      *request.ip_type != MM_BEARER_IP_FAMILY_ANY) {
    return MockFailure(mm_error::kCoreInvalidArgs, "Invalid IP type");
  }
  if (bearers_.size() >= kMaxBearers) {
    return MockFailure(mm_error::kCoreTooMany,
                       fmt::format("Cannot add new bearer: already reached maximum ({})", kMaxBearers));
  }
  auto bearer = std::make_unique<MockBearer>();
  bearer->dbus_id = ids_.next_bearer++;
  bearer->apn = request.apn;
  bearer->ip_type = ResolveIpType(request.ip_type);
  bearer->allow_roaming = request.allow_roaming;
  bearer->allowed_auth = request.allowed_auth;
  bearer->user = request.user;
  bearer->password = request.password;
  MockBearer* added = bearer.get();
  bearers_.push_back(std::move(bearer));
  kLog.Info("{}: Bearer/{} created (apn '{}')", config_.id, added->dbus_id, added->apn);
  observer_.BearerAdded(*this, *added);
  observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "Bearers");
  return added;
}

MockResult<uint32_t> MockModem::CreateBearer(const ConnectRequest& request) {
  if (!present_) return MockFailure(mm_error::kCoreWrongState, "Modem not available");
  auto bearer = AddBearer(request);
  if (!bearer) return tl::unexpected(bearer.error());
  return (*bearer)->dbus_id;
}

void MockModem::RemoveBearerAt(size_t position) {
  uint32_t id = bearers_[position]->dbus_id;
  observer_.BearerRemoved(*this, id);
  bearers_.erase(bearers_.begin() + static_cast<std::ptrdiff_t>(position));
  observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "Bearers");
}

MockStatus MockModem::DeleteBearer(uint32_t bearer_id) {
  for (size_t i = 0; i < bearers_.size(); ++i) {
    MockBearer& bearer = *bearers_[i];
    if (bearer.dbus_id != bearer_id) continue;
    Done pending = std::move(bearer.on_done);
    bool was_connect = bearer.status == BearerStatus::kConnecting;
    bearer.step.Cancel();
    if (bearer.status != BearerStatus::kDisconnected) SetBearerDisconnected(bearer);
    RemoveBearerAt(i);
    UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
    if (pending) {
      if (was_connect) {
        pending(MockFailure(mm_error::kCoreCancelled, "Bearer deleted"));
      } else {
        pending({});
      }
    }
    return {};
  }
  return MockFailure(mm_error::kCoreNotFound, "Couldn't delete bearer: not found");
}

void MockModem::SetBearerDisconnected(MockBearer& bearer) {
  bearer.status = BearerStatus::kDisconnected;
  UpdateBearer(bearer, bearer.connected, false, "Connected");
  UpdateBearer(bearer, bearer.interface, std::string(), "Interface");
  UpdateBearer(bearer, bearer.ipv4_up, false, "Ip4Config");
  UpdateBearer(bearer, bearer.ipv6_up, false, "Ip6Config");
  UpdateBearer(bearer, bearer.profile_id, -1, "ProfileId");
}

void MockModem::ForceDisconnectAll(const std::string& error_name, const std::string& message) {
  std::vector<std::pair<Done, bool>> waiters;
  for (auto& bearer : bearers_) {
    if (bearer->status == BearerStatus::kDisconnected) continue;
    kLog.Info("{}: Bearer/{} disconnected by the network{}", config_.id, bearer->dbus_id,
              error_name.empty() ? "" : " (" + error_name + ")");
    bool was_connect = bearer->status == BearerStatus::kConnecting;
    if (bearer->on_done) waiters.emplace_back(std::move(bearer->on_done), was_connect);
    bearer->step.Cancel();
    SetBearerDisconnected(*bearer);
    if (!error_name.empty() || was_connect) {
      std::string name = error_name.empty() ? mm_error::kNoNetwork : error_name;
      std::string text = error_name.empty() ? "No network service" : message;
      if (bearer->error_name != name || bearer->error_message != text) {
        bearer->error_name = name;
        bearer->error_message = text;
        observer_.BearerPropertyChanged(*this, *bearer, "ConnectionError");
      }
    }
  }
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
  for (auto& [waiter, was_connect] : waiters) {
    if (was_connect) {
      waiter(MockFailure(error_name.empty() ? mm_error::kNoNetwork : error_name,
                         error_name.empty() ? "No network service" : message));
    } else {
      waiter({});
    }
  }
}

void MockModem::BearerConnect(uint32_t bearer_id, Done done) {
  MockBearer* bearer = MutableBearer(bearer_id);
  if (!bearer) return done(MockFailure(mm_error::kCoreNotFound, "Bearer not found"));
  StartBearerConnect(*bearer, std::move(done));
}

void MockModem::StartBearerConnect(MockBearer& bearer, Done done) {
  if (bearer.status == BearerStatus::kConnecting) {
    return done(MockFailure(mm_error::kCoreInProgress, "Bearer already being connected"));
  }
  if (bearer.status == BearerStatus::kDisconnecting) {
    return done(MockFailure(mm_error::kCoreFailed, "Bearer currently being disconnected"));
  }
  if (bearer.status == BearerStatus::kConnected) return done({});
  if (!enabled_ || phase_ != Phase::kIdle) {
    return done(MockFailure(mm_error::kCoreWrongState, "Cannot connect bearer: modem not enabled"));
  }
  if (!IsRegistered()) return done(MockFailure(mm_error::kNoNetwork, "No network service"));
  if (registration_state_ == MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING && bearer.allow_roaming == false) {
    return done(MockFailure(mm_error::kCoreUnauthorized,
                            "Not allowed to connect bearer in 3GPP network: 'Registered in roaming network, and "
                            "roaming not allowed'"));
  }
  uint32_t active = 0;
  for (const auto& other : bearers_) {
    if (other.get() != &bearer && other->status != BearerStatus::kDisconnected) ++active;
  }
  if (active >= kMaxActiveBearers) {
    return done(MockFailure(mm_error::kCoreTooMany, "Cannot connect bearer: too many active bearers"));
  }
  bearer.attempts++;
  bearer.start_date = 0;  // set again once connected
  observer_.BearerPropertyChanged(*this, bearer, "Stats");
  if (!bearer.error_name.empty() || !bearer.error_message.empty()) {
    bearer.error_name.clear();
    bearer.error_message.clear();
    observer_.BearerPropertyChanged(*this, bearer, "ConnectionError");
  }
  bearer.status = BearerStatus::kConnecting;
  bearer.on_done = std::move(done);
  kLog.Info("{}: Bearer/{} connecting (apn '{}', delay {} ms)", config_.id, bearer.dbus_id, bearer.apn,
            connect_delay_.count());
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
  uint32_t id = bearer.dbus_id;
  bearer.step = scheduler_.RunAfter(connect_delay_, [this, id] { FinishBearerConnect(id); });
}

void MockModem::FinishBearerConnect(uint32_t bearer_id) {
  MockBearer* bearer = MutableBearer(bearer_id);
  if (!bearer || bearer->status != BearerStatus::kConnecting) return;
  Done done = std::move(bearer->on_done);
  std::optional<MockError> failure;
  if (refuse_connect_) {
    failure = *refuse_connect_;
  } else if (std::find(config_.allowed_apns.begin(), config_.allowed_apns.end(), bearer->apn) ==
             config_.allowed_apns.end()) {
    failure = MockError{mm_error::kServiceOptionNotSubscribed, "Service option not subscribed"};
  } else if (bearer->ip_type == MM_BEARER_IP_FAMILY_IPV6 && !config_.ipv6) {
    failure = MockError{mm_error::kIpv4OnlyAllowed, "IPv4 only allowed"};
  }
  if (failure) {
    kLog.Info("{}: Bearer/{} connection attempt failed: {}", config_.id, bearer_id, failure->name);
    bearer->failed_attempts++;
    observer_.BearerPropertyChanged(*this, *bearer, "Stats");
    bearer->error_name = failure->name;
    bearer->error_message = failure->message;
    observer_.BearerPropertyChanged(*this, *bearer, "ConnectionError");
    SetBearerDisconnected(*bearer);
    UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
    if (done) done(tl::unexpected(*failure));
    return;
  }
  bearer->status = BearerStatus::kConnected;
  bearer->start_date = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(wall_clock_().time_since_epoch()).count());
  observer_.BearerPropertyChanged(*this, *bearer, "Stats");
  UpdateBearer(*bearer, bearer->interface, config_.bearer_interface, "Interface");
  bool ipv4 = bearer->ip_type == MM_BEARER_IP_FAMILY_IPV4 || bearer->ip_type == MM_BEARER_IP_FAMILY_IPV4V6;
  bool ipv6 = config_.ipv6 &&
              (bearer->ip_type == MM_BEARER_IP_FAMILY_IPV6 || bearer->ip_type == MM_BEARER_IP_FAMILY_IPV4V6);
  UpdateBearer(*bearer, bearer->ipv4_up, ipv4, "Ip4Config");
  UpdateBearer(*bearer, bearer->ipv6_up, ipv6, "Ip6Config");
  UpdateBearer(*bearer, bearer->profile_id, 1, "ProfileId");
  UpdateBearer(*bearer, bearer->connected, true, "Connected");
  kLog.Info("{}: Bearer/{} connected on {}", config_.id, bearer_id, bearer->interface);
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
  if (done) done({});
}

void MockModem::BearerDisconnect(uint32_t bearer_id, Done done) {
  MockBearer* bearer = MutableBearer(bearer_id);
  if (!bearer) return done(MockFailure(mm_error::kCoreNotFound, "Bearer not found"));
  switch (bearer->status) {
    case BearerStatus::kDisconnected:
      return done({});
    case BearerStatus::kDisconnecting:
      return done(MockFailure(mm_error::kCoreInProgress, "Bearer already being disconnected"));
    case BearerStatus::kConnecting: {
      // Cancelling an attempt: it fails with Cancelled and the disconnection succeeds.
      Done connect_done = std::move(bearer->on_done);
      bearer->step.Cancel();
      bearer->failed_attempts++;
      observer_.BearerPropertyChanged(*this, *bearer, "Stats");
      bearer->error_name = mm_error::kCoreCancelled;
      bearer->error_message = "Connection attempt cancelled";
      observer_.BearerPropertyChanged(*this, *bearer, "ConnectionError");
      SetBearerDisconnected(*bearer);
      UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
      if (connect_done) connect_done(MockFailure(mm_error::kCoreCancelled, "Connection attempt cancelled"));
      return done({});
    }
    case BearerStatus::kConnected:
      break;
  }
  bearer->status = BearerStatus::kDisconnecting;
  bearer->on_done = std::move(done);
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
  bearer->step = scheduler_.RunAfter(std::chrono::milliseconds(0), [this, bearer_id] {
    MockBearer* target = MutableBearer(bearer_id);
    if (!target || target->status != BearerStatus::kDisconnecting) return;
    Done finished = std::move(target->on_done);
    SetBearerDisconnected(*target);
    kLog.Info("{}: Bearer/{} disconnected", config_.id, bearer_id);
    UpdateState(MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED);
    if (finished) finished({});
  });
}

MockStatus MockModem::DropBearer(const std::string& error_name, const std::string& message) {
  bool any = std::any_of(bearers_.begin(), bearers_.end(),
                         [](const auto& b) { return b->status != BearerStatus::kDisconnected; });
  if (!present_ || !any) return MockFailure(lab_error::kWrongState, config_.id + " has no connected bearer");
  ForceDisconnectAll(error_name, message);
  return {};
}

// ---------------------------------------------------------------------------------------------
// Simple.Connect / Simple.Disconnect

void MockModem::SimpleConnect(ConnectRequest request, ConnectDone done) {
  auto operation = std::make_shared<ConnectOperation>();
  operation->request = std::move(request);
  operation->done = std::move(done);
  connects_.push_back(operation);
  ConnectStep(operation);
}

void MockModem::FinishConnect(const std::shared_ptr<ConnectOperation>& operation, MockResult<uint32_t> result) {
  if (operation->finished) return;
  operation->finished = true;
  operation->registration_timeout.Cancel();
  connects_.erase(std::remove(connects_.begin(), connects_.end(), operation), connects_.end());
  if (operation->done) {
    auto done = std::move(operation->done);
    done(std::move(result));
  }
}

void MockModem::ResumeConnectsWaitingForRegistration() {
  auto waiting = connects_;
  for (auto& operation : waiting) {
    if (!operation->finished && operation->step == ConnectOperation::Step::kRegister) ConnectStep(operation);
  }
}

void MockModem::ConnectStep(std::shared_ptr<ConnectOperation> operation) {
  using Step = ConnectOperation::Step;
  if (operation->finished) return;
  if (!present_) return FinishConnect(operation, MockFailure(mm_error::kCoreAborted, "Modem removed"));
  switch (operation->step) {
    case Step::kUnlock:
      if (lock_ != MM_MODEM_LOCK_NONE) {
        // During a simple connect only a SIM PIN may be given.
        if (lock_ != MM_MODEM_LOCK_SIM_PIN || !operation->request.pin) {
          return FinishConnect(operation,
                               MockFailure(mm_error::kCoreUnauthorized,
                                           fmt::format("Modem is locked with '{}' code; cannot unlock it",
                                                       LockName(lock_))));
        }
        if (auto unlocked = SendPin(*operation->request.pin); !unlocked) {
          return FinishConnect(operation, tl::unexpected(unlocked.error()));
        }
      }
      operation->step = Step::kEnable;
      [[fallthrough]];
    case Step::kEnable: {
      auto resume = [this, operation](MockStatus status) {
        if (!status) return FinishConnect(operation, tl::unexpected(status.error()));
        ConnectStep(operation);
      };
      if (phase_ == Phase::kInitializing) {
        // Just unlocked: wait for the initialization to finish, then enable.
        phase_waiters_.push_back(std::move(resume));
        return;
      }
      operation->step = Step::kRegister;
      if (!enabled_ || phase_ != Phase::kIdle) {
        if (phase_ == Phase::kEnabling) {
          phase_waiters_.push_back(std::move(resume));  // join the enable in progress
        } else {
          Enable(true, std::move(resume));
        }
        return;
      }
      [[fallthrough]];
    }
    case Step::kRegister:
      // ModemManager waits for a searching or idle modem, not for one the network denies.
      if (enabled_ && phase_ == Phase::kIdle && registration_state_ == MM_MODEM_3GPP_REGISTRATION_STATE_DENIED) {
        return FinishConnect(operation, MockFailure(mm_error::kNetworkTimeout, "Network timeout"));
      }
      if (!IsRegistered()) {
        if (!operation->registration_timeout.armed()) {
          std::weak_ptr<ConnectOperation> weak = operation;
          operation->registration_timeout = scheduler_.RunAfter(kRegistrationWait, [this, weak] {
            if (auto expired = weak.lock()) {
              FinishConnect(expired, MockFailure(mm_error::kNetworkTimeout, "Network timeout"));
            }
          });
        }
        return;  // ApplyRegistration() resumes this step
      }
      operation->registration_timeout.Cancel();
      if (operation->request.operator_id && !operation->request.operator_id->empty() &&
          *operation->request.operator_id != config_.operator_code) {
        return FinishConnect(operation,
                             MockFailure(mm_error::kNetworkNotAllowed, "Network not allowed - emergency calls only"));
      }
      operation->step = Step::kBearer;
      [[fallthrough]];
    case Step::kBearer: {
      MockBearer* bearer = FindMatchingBearer(operation->request);
      if (!bearer) {
        auto added = AddBearer(operation->request);
        if (!added) return FinishConnect(operation, tl::unexpected(added.error()));
        bearer = *added;
      }
      operation->bearer_id = bearer->dbus_id;
      operation->step = Step::kConnect;
      [[fallthrough]];
    }
    case Step::kConnect: {
      MockBearer* bearer = MutableBearer(operation->bearer_id);
      if (!bearer) return FinishConnect(operation, MockFailure(mm_error::kCoreNotFound, "Bearer not found"));
      if (bearer->status == BearerStatus::kConnected) return FinishConnect(operation, bearer->dbus_id);
      uint32_t id = bearer->dbus_id;
      StartBearerConnect(*bearer, [this, operation, id](MockStatus status) {
        if (!status) return FinishConnect(operation, tl::unexpected(status.error()));
        FinishConnect(operation, id);
      });
      return;
    }
  }
}

void MockModem::SimpleDisconnect(std::optional<uint32_t> bearer_id, Done done) {
  if (bearer_id) {
    if (!FindBearer(*bearer_id)) {
      return done(MockFailure(mm_error::kCoreNotFound, "Couldn't disconnect bearer: not found"));
    }
    return BearerDisconnect(*bearer_id, std::move(done));
  }
  std::vector<uint32_t> active;
  for (const auto& bearer : bearers_) {
    if (bearer->status != BearerStatus::kDisconnected) active.push_back(bearer->dbus_id);
  }
  if (active.empty()) return done({});
  struct Pending {
    size_t remaining;
    Done done;
  };
  auto pending = std::make_shared<Pending>(Pending{active.size(), std::move(done)});
  for (uint32_t id : active) {
    BearerDisconnect(id, [pending](MockStatus) {
      if (--pending->remaining == 0 && pending->done) pending->done({});
    });
  }
}

// ---------------------------------------------------------------------------------------------
// SIM

void MockModem::SetLock(uint32_t lock) {
  uint32_t old = lock_;
  if (old == lock) return;
  lock_ = lock;
  observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "UnlockRequired");
  bool was_locked = old != MM_MODEM_LOCK_NONE;
  bool is_locked = lock != MM_MODEM_LOCK_NONE;
  if (was_locked && !is_locked) {
    // ModemManager re-runs its initialization after an unlock: LOCKED -> INITIALIZING, the
    // interfaces exported while locked are withdrawn, then everything is exported again and the
    // modem ends DISABLED.
    phase_ = Phase::kInitializing;
    UpdateState(MM_MODEM_STATE_CHANGE_REASON_UNKNOWN);
    SetInterfaces(kBaseInterfaces);
    phase_step_ = scheduler_.RunAfter(std::chrono::milliseconds(0), [this] { FinishInitialization(); });
    return;
  }
  if (!was_locked && is_locked) SetInterfaces(kLockedInterfaces);
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_UNKNOWN);
}

void MockModem::FinishInitialization() {
  SetSimIdentityLoaded(true);
  SetInterfaces(kAllInterfaces);
  phase_ = Phase::kIdle;
  UpdateState(MM_MODEM_STATE_CHANGE_REASON_UNKNOWN);
  auto waiters = std::move(phase_waiters_);
  phase_waiters_.clear();
  for (auto& waiter : waiters) waiter({});
}

void MockModem::SetSimIdentityLoaded(bool loaded) {
  if (sim_identity_loaded_ == loaded) return;
  sim_identity_loaded_ = loaded;
  observer_.SimPropertyChanged(*this, "Imsi");
  observer_.SimPropertyChanged(*this, "OperatorIdentifier");
  observer_.SimPropertyChanged(*this, "OperatorName");
}

MockStatus MockModem::SendPin(const std::string& pin) {
  if (lock_ != MM_MODEM_LOCK_SIM_PIN) {
    return MockFailure(mm_error::kCoreWrongState, "Cannot send PIN: device is not SIM-PIN locked");
  }
  if (pin != sim_pin_) {
    if (pin_retries_ > 0) pin_retries_--;
    observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "UnlockRetries");
    kLog.Info("{}: wrong SIM PIN, {} attempts left", config_.id, pin_retries_);
    if (pin_retries_ == 0) SetLock(MM_MODEM_LOCK_SIM_PUK);
    return MockFailure(mm_error::kIncorrectPassword, "Incorrect password");
  }
  if (pin_retries_ != kDefaultPinRetries) {
    pin_retries_ = kDefaultPinRetries;
    observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "UnlockRetries");
  }
  kLog.Info("{}: SIM unlocked", config_.id);
  SetLock(MM_MODEM_LOCK_NONE);
  return {};
}

MockStatus MockModem::SendPuk(const std::string& puk, const std::string& new_pin) {
  if (lock_ != MM_MODEM_LOCK_SIM_PUK) {
    return MockFailure(mm_error::kCoreWrongState, "Cannot send PUK: device is not SIM-PUK locked");
  }
  if (puk != sim_puk_) {
    if (puk_retries_ > 0) puk_retries_--;
    observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "UnlockRetries");
    return MockFailure(mm_error::kIncorrectPassword, "Incorrect password");
  }
  if (new_pin.size() < 4 || new_pin.size() > 8) return MockFailure(mm_error::kCoreInvalidArgs, "Invalid PIN");
  sim_pin_ = new_pin;
  pin_enabled_ = true;
  pin_retries_ = kDefaultPinRetries;
  puk_retries_ = kDefaultPukRetries;
  observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "UnlockRetries");
  SetLock(MM_MODEM_LOCK_NONE);
  return {};
}

MockStatus MockModem::EnablePin(const std::string& pin, bool enabled) {
  if (lock_ != MM_MODEM_LOCK_NONE) return MockFailure(mm_error::kCoreWrongState, "SIM is locked");
  if (pin != sim_pin_) {
    if (pin_retries_ > 0) pin_retries_--;
    observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "UnlockRetries");
    return MockFailure(mm_error::kIncorrectPassword, "Incorrect password");
  }
  if (pin_enabled_ != enabled) {
    pin_enabled_ = enabled;
    observer_.ModemPropertyChanged(*this, ModemInterface::kModem3gpp, "EnabledFacilityLocks");
  }
  return {};
}

MockStatus MockModem::ChangePin(const std::string& old_pin, const std::string& new_pin) {
  if (lock_ != MM_MODEM_LOCK_NONE) return MockFailure(mm_error::kCoreWrongState, "SIM is locked");
  if (old_pin != sim_pin_) {
    if (pin_retries_ > 0) pin_retries_--;
    observer_.ModemPropertyChanged(*this, ModemInterface::kModem, "UnlockRetries");
    return MockFailure(mm_error::kIncorrectPassword, "Incorrect password");
  }
  if (new_pin.size() < 4 || new_pin.size() > 8) return MockFailure(mm_error::kCoreInvalidArgs, "Invalid PIN");
  sim_pin_ = new_pin;
  return {};
}

void MockModem::RequirePin(const std::string& pin) {
  sim_pin_ = pin;
  bool was_enabled_lock = pin_enabled_;
  pin_enabled_ = true;
  if (!present_) return;  // comes up locked when plugged
  if (lock_ != MM_MODEM_LOCK_NONE) return;
  if (!was_enabled_lock) observer_.ModemPropertyChanged(*this, ModemInterface::kModem3gpp, "EnabledFacilityLocks");
  kLog.Info("{}: SIM now requires its PIN", config_.id);
  // The SIM asks for its PIN again (as after a SIM power cycle): everything above it goes down.
  auto waiters = std::move(phase_waiters_);
  phase_waiters_.clear();
  auto connects = std::move(connects_);
  connects_.clear();
  phase_step_.Cancel();
  phase_ = Phase::kIdle;
  ForceDisconnectAll("", "");
  ClearRegistration();
  deferred_unregistration_.Cancel();
  enabled_ = false;
  SetSignalQuality(0, true);
  NotifySignalValues();
  Update(power_state_, static_cast<uint32_t>(MM_MODEM_POWER_STATE_LOW), ModemInterface::kModem, "PowerState");
  pin_retries_ = kDefaultPinRetries;
  SetLock(MM_MODEM_LOCK_SIM_PIN);
  MockError locked{mm_error::kCoreAborted, "SIM locked"};
  for (auto& waiter : waiters) waiter(tl::unexpected(locked));
  for (auto& operation : connects) FinishConnect(operation, tl::unexpected(locked));
}

// ---------------------------------------------------------------------------------------------
// Signal

bool MockModem::signal_values_reported() const { return enabled_ && phase_ == Phase::kIdle && signal_rate_ > 0; }

const char* MockModem::SignalPropertyForTechnology() const {
  switch (config_.access_technology) {
    case AccessTechnology::kGsm: return "Gsm";
    case AccessTechnology::kUmts: return "Umts";
    case AccessTechnology::kLte: return "Lte";
    case AccessTechnology::kNr5g: return "Nr5g";
  }
  return "Lte";
}

void MockModem::NotifySignalValues() {
  std::optional<MockSignalValues> now;
  if (signal_values_reported()) now = signal_values_;
  if (now == reported_signal_) return;
  reported_signal_ = now;
  if (!present_ || !HasInterface(ModemInterface::kSignal)) return;
  observer_.ModemPropertyChanged(*this, ModemInterface::kSignal, SignalPropertyForTechnology());
  // A 5G NSA modem reports its LTE anchor too.
  if (config_.access_technology == AccessTechnology::kNr5g) {
    observer_.ModemPropertyChanged(*this, ModemInterface::kSignal, "Lte");
  }
}

MockStatus MockModem::SetupSignal(uint32_t rate) {
  Update(signal_rate_, rate, ModemInterface::kSignal, "Rate");
  NotifySignalValues();
  return {};
}

MockStatus MockModem::SetupSignalThresholds(std::optional<uint32_t> rssi_threshold,
                                            std::optional<bool> error_rate_threshold) {
  if (rssi_threshold) Update(rssi_threshold_, *rssi_threshold, ModemInterface::kSignal, "RssiThreshold");
  if (error_rate_threshold) {
    Update(error_rate_threshold_, *error_rate_threshold, ModemInterface::kSignal, "ErrorRateThreshold");
  }
  return {};
}

void MockModem::SetSignal(uint32_t quality, MockSignalValues values) {
  configured_quality_ = quality;
  signal_values_ = values;
  if (enabled_ && phase_ == Phase::kIdle) SetSignalQuality(quality, true);
  NotifySignalValues();
}

// ---------------------------------------------------------------------------------------------
// Messaging

const MockSms* MockModem::FindSms(uint32_t sms_id) const {
  for (const auto& sms : messages_) {
    if (sms->dbus_id == sms_id) return sms.get();
  }
  return nullptr;
}

MockSms* MockModem::MutableSms(uint32_t sms_id) { return const_cast<MockSms*>(FindSms(sms_id)); }

MockStatus MockModem::ReceiveSms(const std::string& number, const std::string& text) {
  if (!present_ || !HasInterface(ModemInterface::kMessaging) || !IsRegistered()) {
    return MockFailure(lab_error::kWrongState, config_.id + " is not registered; it cannot receive SMS");
  }
  auto sms = std::make_unique<MockSms>();
  sms->dbus_id = ids_.next_sms++;
  sms->number = number;
  sms->text = text;
  sms->state = MM_SMS_STATE_RECEIVED;
  sms->pdu_type = MM_SMS_PDU_TYPE_DELIVER;
  sms->storage = MM_SMS_STORAGE_ME;
  sms->timestamp = Iso8601(wall_clock_());
  sms->smsc = "+10000000001";
  MockSms* added = sms.get();
  messages_.push_back(std::move(sms));
  kLog.Info("{}: SMS/{} received from {}", config_.id, added->dbus_id, number);
  observer_.SmsAdded(*this, *added, true);
  observer_.ModemPropertyChanged(*this, ModemInterface::kMessaging, "Messages");
  return {};
}

MockResult<uint32_t> MockModem::CreateSms(const std::string& number, const std::string& text) {
  if (number.empty()) return MockFailure(mm_error::kCoreInvalidArgs, "Missing 'number' in SMS properties");
  auto sms = std::make_unique<MockSms>();
  sms->dbus_id = ids_.next_sms++;
  sms->number = number;
  sms->text = text;
  sms->state = MM_SMS_STATE_UNKNOWN;
  sms->pdu_type = MM_SMS_PDU_TYPE_SUBMIT;
  sms->storage = MM_SMS_STORAGE_UNKNOWN;
  MockSms* added = sms.get();
  messages_.push_back(std::move(sms));
  observer_.SmsAdded(*this, *added, false);
  observer_.ModemPropertyChanged(*this, ModemInterface::kMessaging, "Messages");
  return added->dbus_id;
}

MockStatus MockModem::DeleteSms(uint32_t sms_id) {
  for (size_t i = 0; i < messages_.size(); ++i) {
    if (messages_[i]->dbus_id != sms_id) continue;
    observer_.SmsRemoved(*this, sms_id);
    messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(i));
    observer_.ModemPropertyChanged(*this, ModemInterface::kMessaging, "Messages");
    return {};
  }
  return MockFailure(mm_error::kCoreNotFound, "No SMS found with that path");
}

MockStatus MockModem::SendSms(uint32_t sms_id) {
  MockSms* sms = MutableSms(sms_id);
  if (!sms) return MockFailure(mm_error::kCoreNotFound, "No SMS found with that path");
  if (sms->pdu_type != MM_SMS_PDU_TYPE_SUBMIT) {
    return MockFailure(mm_error::kCoreWrongState, "Cannot send SMS: not a message to be sent");
  }
  if (!IsRegistered()) return MockFailure(mm_error::kNoNetwork, "No network service");
  sms->state = MM_SMS_STATE_SENT;
  observer_.SmsPropertyChanged(*this, *sms, "State");
  return {};
}

MockStatus MockModem::StoreSms(uint32_t sms_id, uint32_t storage) {
  MockSms* sms = MutableSms(sms_id);
  if (!sms) return MockFailure(mm_error::kCoreNotFound, "No SMS found with that path");
  if (storage == MM_SMS_STORAGE_UNKNOWN) storage = MM_SMS_STORAGE_ME;
  if (storage != MM_SMS_STORAGE_ME && storage != MM_SMS_STORAGE_SM) {
    return MockFailure(mm_error::kCoreUnsupported, "Storage not supported");
  }
  if (sms->storage != storage) {
    sms->storage = storage;
    observer_.SmsPropertyChanged(*this, *sms, "Storage");
  }
  if (sms->state == MM_SMS_STATE_UNKNOWN) {
    sms->state = MM_SMS_STATE_STORED;
    observer_.SmsPropertyChanged(*this, *sms, "State");
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Lab faults

void MockModem::RefuseConnect(const std::string& error_name, const std::string& message) {
  if (error_name.empty()) {
    refuse_connect_.reset();
  } else {
    refuse_connect_ = MockError{error_name, message};
  }
}

void MockModem::SetConnectDelay(std::chrono::milliseconds delay) { connect_delay_ = delay; }

}  // namespace uplinkd::lab
