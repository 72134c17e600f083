#pragma once
// Keeps one configured modem connected: binds to the physical modem by its stable identity,
// unlocks the SIM (once), enables, waits for registration, connects with the profile, applies the
// bearer's STATIC IP configuration to the data interface, and recovers from every failure with a
// bounded, jittered back-off that escalates to a disable/enable cycle and then a Modem.Reset.
//
// Driven only by events (ModemManager snapshots from the fleet, call answers, timers); it never
// waits on anything, so a slow or hung modem costs the other modem nothing. Every change of its
// ModemWanState is published; a lost bearer or registration is published before anything else is
// done about it. See docs/modem.md for the state machine.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/logger.h"
#include "base/result.h"
#include "base/scheduler.h"
#include "net/routing_edge.h"
#include "modem/bearer_ip_client.h"
#include "modem/modem_manager_edge.h"
#include "modem/modem_profile.h"
#include "modem/modem_wan_state.h"
#include "modem/recovery_policy.h"

namespace uplinkd::modem {

class ModemSupervisor {
 public:
  struct Dependencies {
    ModemManagerEdge* edge = nullptr;
    Scheduler* scheduler = nullptr;
    net::RoutingEdge* routing = nullptr;
    std::function<double()> uniform01;  // [0, 1): the jitter source
    // Reads the PIN and the APN password at use; ReadSecretFile when empty.
    std::function<Result<std::string>(const std::string& path)> read_secret;
    // Runs the DHCP client / pppd for DHCP and PPP bearers; without it those bearers are
    // reported as unsupported.
    BearerIpClientLauncher* ip_clients = nullptr;
  };
  using StateSink = std::function<void(const ModemWanState&)>;
  using EventSink = std::function<void(const ModemEvent&)>;

  ModemSupervisor(ModemProfile profile, Dependencies dependencies, StateSink on_state, EventSink on_event);
  ~ModemSupervisor();
  ModemSupervisor(const ModemSupervisor&) = delete;
  ModemSupervisor& operator=(const ModemSupervisor&) = delete;

  // True when `info` is the physical modem this profile names (IMEI, device or ICCID).
  bool Matches(const ModemInfo& info) const;
  bool bound() const { return !path_.empty(); }
  const std::string& bound_path() const { return path_; }

  // The fleet binds a modem (first snapshot) and forwards every later snapshot of it.
  void OnModemUpdated(const ModemInfo& info);
  // The bound modem's object went away.
  void OnModemRemoved();

  // Operator actions (the command layer calls them through the fleet). Each refuses with a
  // message that says why, changing nothing, while the modem is absent or a call, a reset or a
  // disable/enable cycle is under way; when it accepts, it emits a kOperator* event.
  //
  // An operator fixed what the supervisor stopped for (PIN file, SIM, APN password file, ...).
  // Refuses while the PIN file still holds the PIN that the SIM already rejected, and when
  // nothing waits for an operator.
  Result<void> ResumeAfterOperator();
  // Drops the bearer (the Wan goes down at once) and connects again now. Neither a failure nor a
  // bearer drop: back-off and escalation start afresh. Refused while stopped for an operator.
  Result<void> Reconnect();
  // Modem.Reset now; the modem drops off the bus and is bound again at its new path, as after an
  // escalation reset (not counted as one). Back-off and escalation start afresh.
  Result<void> Reset();

  // Daemon shutdown: removes the addresses this supervisor put on the interface and stops its
  // timers. The bearer stays connected, so a restarted daemon adopts it without a new attach.
  void Shutdown();

  const ModemProfile& profile() const { return profile_; }
  const ModemWanState& state() const { return state_; }

 private:
  enum class Operation { kNone, kSendPin, kEnable, kDisable, kConnect, kDisconnect, kReset };
  static const char* OperationName(Operation operation);
  // Refuses an operator action while the modem is absent or something is under way.
  Result<void> CheckOperatorAction(const char* action) const;

  // The one place that decides what to do next from the current snapshot: NextStep() runs the
  // phases in order; each step returns true when it decided (the turn ends there).
  void Reconcile();
  struct ModemWait {
    std::string what;  // "a usable registration"
    std::chrono::milliseconds limit{0};
  };
  std::optional<ModemWait> NextStep();
  bool KeepOrDropWan();
  bool StopOrphanedIpClient();
  bool HeldForOperator();
  bool AdoptConnectedBearer();
  bool AwaitingModemManager();
  bool WaitingOutBackoff();
  std::optional<ModemWait> AdvanceModemState();
  void BoundWait(const std::optional<ModemWait>& wait);
  void Publish();
  void Emit(ModemEventKind kind, std::string message);
  void SetPhase(SupervisorPhase phase) { state_.phase = phase; }
  void CopyModemFields();

  bool RegistrationUsableForConnect() const;
  bool RegisteredForData() const;
  const BearerInfo* ActiveBearer() const;
  bool WanStillUsable() const;
  void MarkWanDown(const std::string& reason, bool count_drop,
                   SupervisorPhase phase = SupervisorPhase::kBackingOff);
  void MarkWanUp(const std::string& interface, std::optional<BearerIpConfig> ipv4,
                 std::optional<BearerIpConfig> ipv6);

  void HandleLock();
  void HandleFailedState();
  void StartSendPin(const std::string& pin);
  void StartEnable(bool enable);
  void StartConnect();
  // `by_operator`: asked for, not an escalation (no escalation counter or event).
  void StartReset(bool by_operator = false);
  void StartSignalSetup();
  void ApplyBearer(const BearerInfo& bearer);
  Result<void> ApplyStaticConfig(const BearerInfo& bearer);
  Result<void> ApplyAddresses(const std::string& interface, const std::vector<net::IpPrefix>& desired, uint32_t mtu);
  void RemoveAppliedAddresses();
  // Disconnects a bearer we will not use (configuration failed, helper died) so the next attempt
  // starts clean.
  void AbandonBearer(const std::string& bearer_path);

  // DHCP and PPP bearers: the helper process and what it reports.
  void ConfigureThroughClient(const BearerInfo& bearer, BearerIpMethod method);
  void OnIpClientConfigured(const BearerIpLease& lease);
  void OnIpClientLost(const std::string& reason);
  void OnIpClientExited(const std::string& reason);
  void OnIpClientTimeout();
  void ArmIpClientTimer();
  void StopIpClient();
  std::string IpClientWhat() const;  // "DHCP lease on wwan0" / "PPP link on ttyUSB2"

  // Records a failed attempt and schedules what comes next (retry, cycle or reset).
  void Fail(const std::string& message, bool escalatable);
  void Hold(std::string message, bool clears_when_unlocked);
  void ArmBackoff(std::chrono::milliseconds delay);
  void Expect(std::string what, std::function<bool(const ModemInfo&)> met);
  void ClearExpectation();

  // Wraps a callback so it is dropped when this supervisor is gone or has since lost the modem.
  template <typename Fn>
  auto Guard(Fn fn);

  ModemProfile profile_;
  Dependencies deps_;
  StateSink on_state_;
  EventSink on_event_;
  Logger log_{LogModule::kModem};
  RecoveryPolicy recovery_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  ModemWanState state_;
  std::optional<ModemWanState> published_;

  std::string path_;  // the bound modem's D-Bus path; empty while absent
  ModemInfo info_;
  uint64_t generation_ = 0;  // bumps when the modem is lost: older answers are ignored
  bool ever_bound_ = false;
  bool ever_connected_ = false;

  Operation operation_ = Operation::kNone;
  bool cycling_ = false;   // an escalation disable/enable is under way
  bool resetting_ = false;
  bool signal_setup_done_ = false;
  std::string bearer_path_;  // the bearer this supervisor connected (or adopted)
  std::string abandoned_bearer_;  // a bearer it could not configure and is tearing down

  struct Expectation {
    std::string what;
    std::function<bool(const ModemInfo&)> met;
  };
  std::optional<Expectation> expectation_;
  TimerHandle expectation_timer_;
  TimerHandle backoff_timer_;
  TimerHandle wait_timer_;  // bounds a wait on the modem's own progress
  std::string wait_reason_;

  struct OperatorHold {
    std::string message;
    bool clears_when_unlocked = false;
  };
  std::optional<OperatorHold> hold_;
  std::optional<size_t> rejected_pin_hash_;  // never send this PIN again
  bool sim_missing_reported_ = false;

  std::unique_ptr<BearerIpClient> ip_client_;
  BearerIpClientRequest ip_client_request_;
  std::string ip_client_bearer_;  // the bearer the helper serves
  uint64_t ip_client_serial_ = 0;  // bumps on every stop: a late report of an old helper is ignored
  bool ip_lease_ = false;          // the helper's configuration is in place
  TimerHandle ip_client_timer_;

  // What this supervisor put on the kernel, so it removes exactly that.
  int applied_link_index_ = 0;
  std::vector<net::IpPrefix> applied_addresses_;
};

}  // namespace uplinkd::modem
