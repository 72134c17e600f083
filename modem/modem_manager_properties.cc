#include "modem/modem_manager_properties.h"

#include <ModemManager.h>

#include <optional>

namespace uplinkd::modem::mm {
namespace {

// A property of the expected type, or nothing (a wrong type from a peer is ignored, not fatal).
template <typename T>
std::optional<T> Get(const PropertyMap& properties, const std::string& name) {
  auto it = properties.find(name);
  if (it == properties.end() || !it->second.containsValueOfType<T>()) return std::nullopt;
  try {
    return it->second.get<T>();
  } catch (const sdbus::Error&) {
    return std::nullopt;
  }
}

std::optional<BearerIpConfig> ParseIpConfig(const PropertyMap& config, BearerIpMethod& method) {
  method = BearerIpMethodFromMm(Get<uint32_t>(config, "method").value_or(MM_BEARER_IP_METHOD_UNKNOWN));
  if (method != BearerIpMethod::kStatic) return std::nullopt;
  auto address_text = Get<std::string>(config, "address");
  auto prefix_length = Get<uint32_t>(config, "prefix");
  if (!address_text || !prefix_length) return std::nullopt;
  auto address = net::IpAddress::Parse(*address_text);
  if (!address) return std::nullopt;
  uint32_t max_length = address->family() == net::IpFamily::kV4 ? 32 : 128;
  if (*prefix_length > max_length) return std::nullopt;
  BearerIpConfig result;
  result.address = net::IpPrefix(*address, static_cast<uint8_t>(*prefix_length));
  if (auto gateway = Get<std::string>(config, "gateway")) result.gateway = net::IpAddress::Parse(*gateway);
  for (const char* key : {"dns1", "dns2", "dns3"}) {
    if (auto dns = Get<std::string>(config, key)) {
      if (auto parsed = net::IpAddress::Parse(*dns)) result.dns.push_back(*parsed);
    }
  }
  result.mtu = Get<uint32_t>(config, "mtu").value_or(0);
  return result;
}

std::optional<SignalDetails> ParseSignal(const PropertyMap& values) {
  SignalDetails details;
  details.rssi_dbm = Get<double>(values, "rssi");
  details.rsrp_dbm = Get<double>(values, "rsrp");
  details.rsrq_db = Get<double>(values, "rsrq");
  details.snr_db = Get<double>(values, "snr");
  if (!details.rssi_dbm && !details.rsrp_dbm && !details.rsrq_db && !details.snr_db) return std::nullopt;
  return details;
}

}  // namespace

ModemState ModemStateFromMm(int32_t value) {
  switch (value) {
    case MM_MODEM_STATE_FAILED: return ModemState::kFailed;
    case MM_MODEM_STATE_INITIALIZING: return ModemState::kInitializing;
    case MM_MODEM_STATE_LOCKED: return ModemState::kLocked;
    case MM_MODEM_STATE_DISABLED: return ModemState::kDisabled;
    case MM_MODEM_STATE_DISABLING: return ModemState::kDisabling;
    case MM_MODEM_STATE_ENABLING: return ModemState::kEnabling;
    case MM_MODEM_STATE_ENABLED: return ModemState::kEnabled;
    case MM_MODEM_STATE_SEARCHING: return ModemState::kSearching;
    case MM_MODEM_STATE_REGISTERED: return ModemState::kRegistered;
    case MM_MODEM_STATE_DISCONNECTING: return ModemState::kDisconnecting;
    case MM_MODEM_STATE_CONNECTING: return ModemState::kConnecting;
    case MM_MODEM_STATE_CONNECTED: return ModemState::kConnected;
    default: return ModemState::kUnknown;
  }
}

RegistrationState RegistrationFromMm(uint32_t value) {
  switch (value) {
    case MM_MODEM_3GPP_REGISTRATION_STATE_IDLE: return RegistrationState::kIdle;
    case MM_MODEM_3GPP_REGISTRATION_STATE_HOME:
    case MM_MODEM_3GPP_REGISTRATION_STATE_HOME_CSFB_NOT_PREFERRED:  // CSFB is about voice: data works
      return RegistrationState::kHome;
    case MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING:
    case MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING_CSFB_NOT_PREFERRED:
      return RegistrationState::kRoaming;
    case MM_MODEM_3GPP_REGISTRATION_STATE_SEARCHING: return RegistrationState::kSearching;
    case MM_MODEM_3GPP_REGISTRATION_STATE_DENIED: return RegistrationState::kDenied;
    case MM_MODEM_3GPP_REGISTRATION_STATE_UNKNOWN: return RegistrationState::kUnknown;
    default: return RegistrationState::kOther;  // SMS-only, emergency-only, RLOS: no data
  }
}

AccessTechnology AccessTechnologyFromMm(uint32_t bits) {
  if (bits & MM_MODEM_ACCESS_TECHNOLOGY_5GNR) return AccessTechnology::k5gNr;
  if (bits & MM_MODEM_ACCESS_TECHNOLOGY_LTE) return AccessTechnology::kLte;
  if (bits & MM_MODEM_ACCESS_TECHNOLOGY_LTE_CAT_M) return AccessTechnology::kLteCatM;
  if (bits & MM_MODEM_ACCESS_TECHNOLOGY_LTE_NB_IOT) return AccessTechnology::kNbIot;
  if (bits & (MM_MODEM_ACCESS_TECHNOLOGY_UMTS | MM_MODEM_ACCESS_TECHNOLOGY_HSDPA | MM_MODEM_ACCESS_TECHNOLOGY_HSUPA |
              MM_MODEM_ACCESS_TECHNOLOGY_HSPA | MM_MODEM_ACCESS_TECHNOLOGY_HSPA_PLUS)) {
    return AccessTechnology::kUmts;
  }
  if (bits & (MM_MODEM_ACCESS_TECHNOLOGY_GSM | MM_MODEM_ACCESS_TECHNOLOGY_GSM_COMPACT | MM_MODEM_ACCESS_TECHNOLOGY_GPRS |
              MM_MODEM_ACCESS_TECHNOLOGY_EDGE)) {
    return AccessTechnology::kGsm;
  }
  return AccessTechnology::kUnknown;
}

SimLock SimLockFromMm(uint32_t value) {
  switch (value) {
    case MM_MODEM_LOCK_UNKNOWN: return SimLock::kUnknown;
    case MM_MODEM_LOCK_NONE: return SimLock::kNone;
    case MM_MODEM_LOCK_SIM_PIN: return SimLock::kSimPin;
    case MM_MODEM_LOCK_SIM_PUK: return SimLock::kSimPuk;
    default: return SimLock::kOther;
  }
}

ModemFailedReason FailedReasonFromMm(uint32_t value) {
  switch (value) {
    case MM_MODEM_STATE_FAILED_REASON_NONE: return ModemFailedReason::kNone;
    case MM_MODEM_STATE_FAILED_REASON_UNKNOWN: return ModemFailedReason::kUnknown;
    case MM_MODEM_STATE_FAILED_REASON_SIM_MISSING: return ModemFailedReason::kSimMissing;
    case MM_MODEM_STATE_FAILED_REASON_SIM_ERROR: return ModemFailedReason::kSimError;
    default: return ModemFailedReason::kOther;
  }
}

BearerIpMethod BearerIpMethodFromMm(uint32_t value) {
  switch (value) {
    case MM_BEARER_IP_METHOD_PPP: return BearerIpMethod::kPpp;
    case MM_BEARER_IP_METHOD_STATIC: return BearerIpMethod::kStatic;
    case MM_BEARER_IP_METHOD_DHCP: return BearerIpMethod::kDhcp;
    default: return BearerIpMethod::kUnknown;
  }
}

ModemPropertyEffects ApplyModemProperties(const PropertyMap& properties, ModemInfo& info,
                                          std::vector<std::string>& bearer_paths) {
  ModemPropertyEffects effects;
  if (auto sim = Get<sdbus::ObjectPath>(properties, "Sim")) {
    std::string path = *sim == "/" ? std::string() : std::string(*sim);
    if (path != info.sim_path) {
      info.sim_path = path;
      info.iccid.clear();
      effects.sim_path_changed = true;
    }
  }
  if (auto bearers = Get<std::vector<sdbus::ObjectPath>>(properties, "Bearers")) {
    bearer_paths.assign(bearers->begin(), bearers->end());
    effects.bearers_changed = true;
  }
  if (auto value = Get<std::string>(properties, "Manufacturer")) info.manufacturer = *value;
  if (auto value = Get<std::string>(properties, "Model")) info.model = *value;
  if (auto value = Get<std::string>(properties, "Device")) info.device = *value;
  if (auto value = Get<std::string>(properties, "EquipmentIdentifier")) info.equipment_identifier = *value;
  if (auto value = Get<uint32_t>(properties, "UnlockRequired")) info.unlock_required = SimLockFromMm(*value);
  if (auto retries = Get<std::map<uint32_t, uint32_t>>(properties, "UnlockRetries")) {
    auto pin = retries->find(MM_MODEM_LOCK_SIM_PIN);
    info.pin_retries = pin == retries->end() ? std::nullopt : std::optional<uint32_t>(pin->second);
  }
  if (auto value = Get<int32_t>(properties, "State")) info.state = ModemStateFromMm(*value);
  if (auto value = Get<uint32_t>(properties, "StateFailedReason")) info.failed_reason = FailedReasonFromMm(*value);
  if (auto value = Get<uint32_t>(properties, "AccessTechnologies")) {
    info.access_technology = AccessTechnologyFromMm(*value);
  }
  if (auto quality = Get<sdbus::Struct<uint32_t, bool>>(properties, "SignalQuality")) {
    info.signal_quality = std::get<0>(*quality);
  }
  return effects;
}

void ApplyModem3gppProperties(const PropertyMap& properties, ModemInfo& info) {
  if (auto value = Get<uint32_t>(properties, "RegistrationState")) info.registration = RegistrationFromMm(*value);
  if (auto value = Get<std::string>(properties, "OperatorCode")) info.operator_code = *value;
  if (auto value = Get<std::string>(properties, "OperatorName")) info.operator_name = *value;
  if (auto value = Get<std::string>(properties, "Imei"); value && info.equipment_identifier.empty()) {
    info.equipment_identifier = *value;
  }
}

void ApplySignalProperties(const PropertyMap& properties, SignalByTechnology& signal) {
  for (const char* technology : {"Lte", "Nr5g", "Umts", "Gsm"}) {
    auto values = Get<PropertyMap>(properties, technology);
    if (!values) continue;
    if (auto details = ParseSignal(*values)) {
      signal[technology] = *details;
    } else {
      signal.erase(technology);
    }
  }
}

SignalDetails SelectSignal(const SignalByTechnology& signal, AccessTechnology technology) {
  auto find = [&](const char* name) -> std::optional<SignalDetails> {
    auto it = signal.find(name);
    return it == signal.end() ? std::nullopt : std::optional<SignalDetails>(it->second);
  };
  std::vector<const char*> order;
  switch (technology) {
    case AccessTechnology::k5gNr: order = {"Nr5g", "Lte"}; break;  // NSA: the LTE anchor reports too
    case AccessTechnology::kUmts: order = {"Umts"}; break;
    case AccessTechnology::kGsm: order = {"Gsm"}; break;
    default: order = {"Lte", "Nr5g", "Umts", "Gsm"}; break;
  }
  for (const char* name : order) {
    if (auto details = find(name)) return *details;
  }
  return {};
}

void ApplySimProperties(const PropertyMap& properties, ModemInfo& info) {
  if (auto value = Get<std::string>(properties, "SimIdentifier")) info.iccid = *value;
}

void ApplyBearerProperties(const PropertyMap& properties, BearerInfo& bearer) {
  if (auto value = Get<std::string>(properties, "Interface")) bearer.interface = *value;
  if (auto value = Get<bool>(properties, "Connected")) bearer.connected = *value;
  if (auto config = Get<PropertyMap>(properties, "Ip4Config")) bearer.ipv4 = ParseIpConfig(*config, bearer.ipv4_method);
  if (auto config = Get<PropertyMap>(properties, "Ip6Config")) bearer.ipv6 = ParseIpConfig(*config, bearer.ipv6_method);
  if (auto error = Get<sdbus::Struct<std::string, std::string>>(properties, "ConnectionError")) {
    bearer.connection_error_name = std::get<0>(*error);
    bearer.connection_error_message = std::get<1>(*error);
  }
  if (auto settings = Get<PropertyMap>(properties, "Properties")) {
    if (auto apn = Get<std::string>(*settings, "apn")) bearer.apn = *apn;
  }
}

PropertyMap ConnectProperties(const ConnectSettings& settings) {
  PropertyMap properties;
  properties["apn"] = sdbus::Variant(settings.apn);
  uint32_t family = MM_BEARER_IP_FAMILY_IPV4;
  switch (settings.ip_type) {
    case BearerIpType::kIpv4: family = MM_BEARER_IP_FAMILY_IPV4; break;
    case BearerIpType::kIpv6: family = MM_BEARER_IP_FAMILY_IPV6; break;
    case BearerIpType::kIpv4v6: family = MM_BEARER_IP_FAMILY_IPV4V6; break;
  }
  properties["ip-type"] = sdbus::Variant(family);
  if (!settings.allowed_auth.empty()) {
    uint32_t auth = 0;
    for (AuthMethod method : settings.allowed_auth) {
      switch (method) {
        case AuthMethod::kNone: auth |= MM_BEARER_ALLOWED_AUTH_NONE; break;
        case AuthMethod::kPap: auth |= MM_BEARER_ALLOWED_AUTH_PAP; break;
        case AuthMethod::kChap: auth |= MM_BEARER_ALLOWED_AUTH_CHAP; break;
        case AuthMethod::kMschap: auth |= MM_BEARER_ALLOWED_AUTH_MSCHAP; break;
        case AuthMethod::kMschapv2: auth |= MM_BEARER_ALLOWED_AUTH_MSCHAPV2; break;
        case AuthMethod::kEap: auth |= MM_BEARER_ALLOWED_AUTH_EAP; break;
      }
    }
    properties["allowed-auth"] = sdbus::Variant(auth);
  }
  if (!settings.user.empty()) properties["user"] = sdbus::Variant(settings.user);
  if (!settings.password.empty()) properties["password"] = sdbus::Variant(settings.password);
  properties["allow-roaming"] = sdbus::Variant(settings.allow_roaming);
  return properties;
}

}  // namespace uplinkd::modem::mm
