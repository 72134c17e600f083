#include "tests/lab/mockmm/mock_config.h"

#include <arpa/inet.h>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace uplinkd::lab {
namespace {

using Json = nlohmann::json;

// Reads one JSON object, remembering which keys were consumed so leftovers can be reported.
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  std::optional<Error> Check() const {
    if (!object_.is_object()) return Error{ErrorCode::kInvalidArgument, where_ + ": expected an object"};
    return std::nullopt;
  }

  const Json* Find(const std::string& key, bool required, std::optional<Error>& error) {
    seen_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end()) {
      if (required && !error) error = Error{ErrorCode::kInvalidArgument, Path(key) + ": missing"};
      return nullptr;
    }
    return &*it;
  }

  void String(const std::string& key, std::string& out, std::optional<Error>& error, bool required = true) {
    const Json* value = Find(key, required, error);
    if (!value) return;
    if (!value->is_string()) return Fail(error, key, "expected a string");
    out = value->get<std::string>();
  }

  void OptionalString(const std::string& key, std::optional<std::string>& out, std::optional<Error>& error) {
    const Json* value = Find(key, false, error);
    if (!value) return;
    if (!value->is_string()) return Fail(error, key, "expected a string");
    out = value->get<std::string>();
  }

  void Unsigned(const std::string& key, uint32_t& out, uint32_t max, std::optional<Error>& error) {
    const Json* value = Find(key, true, error);
    if (!value) return;
    if (!value->is_number_unsigned() || value->get<uint64_t>() > max) {
      return Fail(error, key, "expected an integer from 0 to " + std::to_string(max));
    }
    out = value->get<uint32_t>();
  }

  void Strings(const std::string& key, std::vector<std::string>& out, std::optional<Error>& error) {
    const Json* value = Find(key, true, error);
    if (!value) return;
    if (!value->is_array()) return Fail(error, key, "expected an array of strings");
    for (const auto& item : *value) {
      if (!item.is_string()) return Fail(error, key, "expected an array of strings");
      out.push_back(item.get<std::string>());
    }
  }

  void RejectUnknown(std::optional<Error>& error) const {
    if (error || !object_.is_object()) return;
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.count(key)) {
        error = Error{ErrorCode::kInvalidArgument, Path(key) + ": unknown key"};
        return;
      }
    }
  }

  void Fail(std::optional<Error>& error, const std::string& key, const std::string& what) const {
    if (!error) error = Error{ErrorCode::kInvalidArgument, Path(key) + ": " + what};
  }

  std::string Path(const std::string& key) const { return where_.empty() ? key : where_ + "." + key; }

 private:
  const Json& object_;
  std::string where_;
  std::set<std::string> seen_;
};

bool IsAddress(const std::string& text, int family) {
  unsigned char buffer[16];
  return ::inet_pton(family, text.c_str(), buffer) == 1;
}

void ParseIp(const Json& json, const std::string& where, int family, MockIpConfig& out, std::optional<Error>& error) {
  ObjectReader reader(json, where);
  if (auto bad = reader.Check()) {
    if (!error) error = bad;
    return;
  }
  std::optional<std::string> method;
  reader.OptionalString("method", method, error);
  if (method && *method != "static" && *method != "dhcp") return reader.Fail(error, "method", "expected static or dhcp");
  if (method && *method == "dhcp") {
    if (family != AF_INET) return reader.Fail(error, "method", "dhcp is for ipv4 only");
    out.dhcp = true;
    reader.RejectUnknown(error);  // the lease, not the mock, carries the addresses
    return;
  }
  reader.String("address", out.address, error);
  reader.Unsigned("prefix", out.prefix, family == AF_INET ? 32 : 128, error);
  reader.String("gateway", out.gateway, error);
  reader.Strings("dns", out.dns, error);
  reader.Unsigned("mtu", out.mtu, 65535, error);
  reader.RejectUnknown(error);
  if (error) return;
  const char* kind = family == AF_INET ? "an IPv4 address" : "an IPv6 address";
  if (!IsAddress(out.address, family)) reader.Fail(error, "address", std::string("expected ") + kind);
  if (!IsAddress(out.gateway, family)) reader.Fail(error, "gateway", std::string("expected ") + kind);
  for (const auto& dns : out.dns) {
    if (!IsAddress(dns, family)) reader.Fail(error, "dns", std::string("expected ") + kind);
  }
  if (out.dns.size() > 3) reader.Fail(error, "dns", "at most three servers (dns1..dns3)");
}

void ParseModem(const Json& json, const std::string& where, MockModemConfig& modem, std::optional<Error>& error) {
  ObjectReader reader(json, where);
  if (auto bad = reader.Check()) {
    if (!error) error = bad;
    return;
  }
  reader.String("id", modem.id, error);
  reader.String("equipment_identifier", modem.equipment_identifier, error);
  reader.String("device", modem.device, error);
  reader.String("manufacturer", modem.manufacturer, error);
  reader.String("model", modem.model, error);
  reader.String("revision", modem.revision, error);

  if (const Json* sim = reader.Find("sim", true, error)) {
    ObjectReader sim_reader(*sim, reader.Path("sim"));
    if (auto bad = sim_reader.Check()) {
      if (!error) error = bad;
    } else {
      sim_reader.String("iccid", modem.sim.iccid, error);
      sim_reader.String("imsi", modem.sim.imsi, error);
      sim_reader.String("operator_name", modem.sim.operator_name, error);
      sim_reader.OptionalString("pin", modem.sim.pin, error);
      sim_reader.OptionalString("puk", modem.sim.puk, error);
      sim_reader.RejectUnknown(error);
    }
  }
  if (const Json* op = reader.Find("operator", true, error)) {
    ObjectReader op_reader(*op, reader.Path("operator"));
    if (auto bad = op_reader.Check()) {
      if (!error) error = bad;
    } else {
      op_reader.String("code", modem.operator_code, error);
      op_reader.String("name", modem.operator_name, error);
      op_reader.RejectUnknown(error);
    }
  }
  std::string technology;
  reader.String("access_technology", technology, error);
  if (!error) {
    bool ok = false;
    modem.access_technology = AccessTechnologyFromName(technology, &ok);
    if (!ok) reader.Fail(error, "access_technology", "expected lte, umts, gsm or 5gnr");
  }
  reader.Unsigned("signal_quality", modem.signal_quality, 100, error);
  reader.Strings("allowed_apns", modem.allowed_apns, error);
  if (const Json* bearer = reader.Find("bearer", true, error)) {
    ObjectReader bearer_reader(*bearer, reader.Path("bearer"));
    if (auto bad = bearer_reader.Check()) {
      if (!error) error = bad;
    } else {
      bearer_reader.String("interface", modem.bearer_interface, error);
      if (const Json* ipv4 = bearer_reader.Find("ipv4", true, error)) {
        ParseIp(*ipv4, bearer_reader.Path("ipv4"), AF_INET, modem.ipv4, error);
      }
      if (const Json* ipv6 = bearer_reader.Find("ipv6", false, error)) {
        modem.ipv6.emplace();
        ParseIp(*ipv6, bearer_reader.Path("ipv6"), AF_INET6, *modem.ipv6, error);
      }
      bearer_reader.RejectUnknown(error);
    }
  }
  reader.RejectUnknown(error);
  if (error) return;
  if (modem.id.empty()) reader.Fail(error, "id", "must not be empty");
  if (modem.operator_code.size() < 5 || modem.operator_code.size() > 6 ||
      modem.operator_code.find_first_not_of("0123456789") != std::string::npos) {
    reader.Fail(error, "operator.code", "expected MCC+MNC, 5 or 6 digits");
  }
  if (modem.sim.pin && (modem.sim.pin->size() < 4 || modem.sim.pin->size() > 8)) {
    reader.Fail(error, "sim.pin", "expected 4 to 8 digits");
  }
}

}  // namespace

AccessTechnology AccessTechnologyFromName(std::string_view name, bool* ok) {
  *ok = true;
  if (name == "lte") return AccessTechnology::kLte;
  if (name == "umts") return AccessTechnology::kUmts;
  if (name == "gsm") return AccessTechnology::kGsm;
  if (name == "5gnr") return AccessTechnology::kNr5g;
  *ok = false;
  return AccessTechnology::kLte;
}

Result<MockConfig> ParseMockConfig(std::string_view json_text) {
  Json root = Json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false,
                          /*ignore_comments=*/true);
  if (root.is_discarded()) return MakeError(ErrorCode::kInvalidArgument, "not valid JSON");
  MockConfig config;
  std::optional<Error> error;
  ObjectReader reader(root, "");
  if (auto bad = reader.Check()) return tl::unexpected<Error>(*bad);
  const Json* modems = reader.Find("modems", true, error);
  if (modems && !modems->is_array()) reader.Fail(error, "modems", "expected an array");
  if (modems && modems->is_array()) {
    for (size_t i = 0; i < modems->size() && !error; ++i) {
      MockModemConfig modem;
      ParseModem((*modems)[i], "modems[" + std::to_string(i) + "]", modem, error);
      config.modems.push_back(std::move(modem));
    }
  }
  reader.RejectUnknown(error);
  if (!error) {
    std::set<std::string> ids;
    for (size_t i = 0; i < config.modems.size(); ++i) {
      if (!ids.insert(config.modems[i].id).second) {
        error = Error{ErrorCode::kInvalidArgument, "modems[" + std::to_string(i) + "].id: duplicate id"};
        break;
      }
    }
  }
  if (error) return tl::unexpected<Error>(*error);
  return config;
}

Result<MockConfig> LoadMockConfig(const std::string& path) {
  std::ifstream file(path);
  if (!file) return MakeError(ErrorCode::kNotFound, path + ": cannot open", errno);
  std::stringstream text;
  text << file.rdbuf();
  auto config = ParseMockConfig(text.str());
  if (!config) return MakeError(config.error().code, path + ": " + config.error().message);
  return config;
}

}  // namespace uplinkd::lab
