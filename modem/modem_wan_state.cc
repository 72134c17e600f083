#include "modem/modem_wan_state.h"

namespace uplinkd::modem {

const char* ModemStateName(ModemState state) {
  switch (state) {
    case ModemState::kFailed: return "failed";
    case ModemState::kUnknown: return "unknown";
    case ModemState::kInitializing: return "initializing";
    case ModemState::kLocked: return "locked";
    case ModemState::kDisabled: return "disabled";
    case ModemState::kDisabling: return "disabling";
    case ModemState::kEnabling: return "enabling";
    case ModemState::kEnabled: return "enabled";
    case ModemState::kSearching: return "searching";
    case ModemState::kRegistered: return "registered";
    case ModemState::kDisconnecting: return "disconnecting";
    case ModemState::kConnecting: return "connecting";
    case ModemState::kConnected: return "connected";
  }
  return "?";
}

const char* RegistrationStateName(RegistrationState state) {
  switch (state) {
    case RegistrationState::kUnknown: return "unknown";
    case RegistrationState::kIdle: return "idle";
    case RegistrationState::kSearching: return "searching";
    case RegistrationState::kDenied: return "denied";
    case RegistrationState::kHome: return "home";
    case RegistrationState::kRoaming: return "roaming";
    case RegistrationState::kOther: return "other";
  }
  return "?";
}

const char* AccessTechnologyName(AccessTechnology technology) {
  switch (technology) {
    case AccessTechnology::kUnknown: return "unknown";
    case AccessTechnology::kGsm: return "gsm";
    case AccessTechnology::kUmts: return "umts";
    case AccessTechnology::kLte: return "lte";
    case AccessTechnology::kLteCatM: return "lte-cat-m";
    case AccessTechnology::kNbIot: return "nb-iot";
    case AccessTechnology::k5gNr: return "5gnr";
  }
  return "?";
}

const char* SupervisorPhaseName(SupervisorPhase phase) {
  switch (phase) {
    case SupervisorPhase::kAbsent: return "absent";
    case SupervisorPhase::kUnlocking: return "unlocking";
    case SupervisorPhase::kEnabling: return "enabling";
    case SupervisorPhase::kWaitingForRegistration: return "waiting-for-registration";
    case SupervisorPhase::kConnecting: return "connecting";
    case SupervisorPhase::kConfiguring: return "configuring";
    case SupervisorPhase::kConnected: return "connected";
    case SupervisorPhase::kBackingOff: return "backing-off";
    case SupervisorPhase::kCycling: return "cycling";
    case SupervisorPhase::kResetting: return "resetting";
    case SupervisorPhase::kNeedsOperator: return "needs-operator";
  }
  return "?";
}

const char* ModemEventKindName(ModemEventKind kind) {
  switch (kind) {
    case ModemEventKind::kWanUp: return "wan-up";
    case ModemEventKind::kWanDown: return "wan-down";
    case ModemEventKind::kPinRejected: return "pin-rejected";
    case ModemEventKind::kPukRequired: return "puk-required";
    case ModemEventKind::kSimMissing: return "sim-missing";
    case ModemEventKind::kConnectRejected: return "connect-rejected";
    case ModemEventKind::kFixedIpMismatch: return "fixed-ip-mismatch";
    case ModemEventKind::kEscalatedCycle: return "escalated-cycle";
    case ModemEventKind::kEscalatedReset: return "escalated-reset";
    case ModemEventKind::kModemVanished: return "modem-vanished";
    case ModemEventKind::kModemAdopted: return "modem-adopted";
    case ModemEventKind::kUnsupportedBearer: return "unsupported-bearer";
    case ModemEventKind::kOperatorResume: return "operator-resume";
    case ModemEventKind::kOperatorReconnect: return "operator-reconnect";
    case ModemEventKind::kOperatorReset: return "operator-reset";
  }
  return "?";
}

}  // namespace uplinkd::modem
