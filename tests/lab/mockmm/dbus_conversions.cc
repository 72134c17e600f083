#include "tests/lab/mockmm/dbus_conversions.h"

#include <ModemManager.h>

#include <set>

#include "tests/lab/mockmm/dbus_paths.h"

namespace uplinkd::lab {
namespace {

template <typename T>
bool Read(const VariantMap& properties, const std::string& key, std::optional<T>& out, std::string& bad_key) {
  auto it = properties.find(key);
  if (it == properties.end()) return true;
  if (!it->second.containsValueOfType<T>()) {
    bad_key = key;
    return false;
  }
  out = it->second.get<T>();
  return true;
}

// Keys of ModemManager 1.20's MMSimpleConnectProperties / MMBearerProperties and their types.
const std::map<std::string, std::string>& KnownConnectKeys() {
  static const std::map<std::string, std::string> keys = {
      {"apn", "s"},          {"ip-type", "u"},       {"allowed-auth", "u"},
      {"user", "s"},         {"password", "s"},      {"allow-roaming", "b"},
      {"rm-protocol", "u"},  {"number", "s"},        {"apn-type", "u"},
      {"profile-id", "i"},   {"profile-name", "s"},  {"access-type-preference", "u"},
      {"roaming-allowance", "u"}, {"multiplex", "u"}, {"force", "b"},
      {"pin", "s"},          {"operator-id", "s"},
  };
  return keys;
}

}  // namespace

MockResult<ConnectRequest> ParseConnectProperties(const VariantMap& properties, bool allow_simple_keys) {
  for (const auto& [key, value] : properties) {
    auto known = KnownConnectKeys().find(key);
    bool simple_only = key == "pin" || key == "operator-id";
    if (known == KnownConnectKeys().end() || (simple_only && !allow_simple_keys)) {
      return MockFailure(mm_error::kCoreInvalidArgs, "Invalid properties: Unexpected property '" + key + "'");
    }
    if (value.peekValueType() != known->second) {
      return MockFailure(mm_error::kCoreInvalidArgs,
                         "Invalid properties: '" + key + "' must be of type '" + known->second + "'");
    }
  }
  ConnectRequest request;
  std::string bad_key;
  std::optional<std::string> apn;
  bool ok = Read(properties, "apn", apn, bad_key) && Read(properties, "ip-type", request.ip_type, bad_key) &&
            Read(properties, "allow-roaming", request.allow_roaming, bad_key) &&
            Read(properties, "allowed-auth", request.allowed_auth, bad_key) &&
            Read(properties, "user", request.user, bad_key) && Read(properties, "password", request.password, bad_key) &&
            Read(properties, "pin", request.pin, bad_key) && Read(properties, "operator-id", request.operator_id, bad_key);
  if (!ok) return MockFailure(mm_error::kCoreInvalidArgs, "Invalid properties: bad value for '" + bad_key + "'");
  request.apn = apn.value_or("");
  return request;
}

VariantMap BearerPropertiesDictionary(const MockBearer& bearer) {
  VariantMap dictionary;
  dictionary["apn"] = sdbus::Variant(bearer.apn);
  dictionary["ip-type"] = sdbus::Variant(bearer.ip_type);
  // ModemManager 1.20 always lists the profile; -1 is MM_3GPP_PROFILE_ID_UNKNOWN.
  dictionary["profile-id"] = sdbus::Variant(int32_t{-1});
  if (bearer.allowed_auth) dictionary["allowed-auth"] = sdbus::Variant(*bearer.allowed_auth);
  if (bearer.user) dictionary["user"] = sdbus::Variant(*bearer.user);
  if (bearer.password) dictionary["password"] = sdbus::Variant(*bearer.password);
  if (bearer.allow_roaming) dictionary["allow-roaming"] = sdbus::Variant(*bearer.allow_roaming);
  return dictionary;
}

VariantMap IpConfigDictionary(bool up, const MockIpConfig* config) {
  VariantMap dictionary;
  if (!up || !config) {
    dictionary["method"] = sdbus::Variant(static_cast<uint32_t>(MM_BEARER_IP_METHOD_UNKNOWN));
    return dictionary;
  }
  if (config->dhcp) {
    // What a modem with an Ethernet-like data interface (cdc_ether, some NCM) reports: the host
    // must run a DHCP client on the interface.
    dictionary["method"] = sdbus::Variant(static_cast<uint32_t>(MM_BEARER_IP_METHOD_DHCP));
    return dictionary;
  }
  // What a QMI or MBIM modem reports: the network's settings, applied statically by the host.
  dictionary["method"] = sdbus::Variant(static_cast<uint32_t>(MM_BEARER_IP_METHOD_STATIC));
  dictionary["address"] = sdbus::Variant(config->address);
  if (config->prefix) dictionary["prefix"] = sdbus::Variant(config->prefix);
  const char* dns_keys[] = {"dns1", "dns2", "dns3"};
  for (size_t i = 0; i < config->dns.size() && i < 3; ++i) dictionary[dns_keys[i]] = sdbus::Variant(config->dns[i]);
  dictionary["gateway"] = sdbus::Variant(config->gateway);
  if (config->mtu) dictionary["mtu"] = sdbus::Variant(config->mtu);
  return dictionary;
}

std::vector<sdbus::ObjectPath> BearerPaths(const MockModem& modem) {
  std::vector<sdbus::ObjectPath> paths;
  for (const auto& bearer : modem.bearers()) paths.emplace_back(BearerPath(bearer->dbus_id));
  return paths;
}

std::vector<sdbus::ObjectPath> SmsPaths(const MockModem& modem) {
  std::vector<sdbus::ObjectPath> paths;
  for (const auto& sms : modem.messages()) paths.emplace_back(SmsPath(sms->dbus_id));
  return paths;
}

}  // namespace uplinkd::lab
