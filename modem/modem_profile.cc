#include "modem/modem_profile.h"

namespace uplinkd::modem {

const char* ModemMatchKindName(ModemMatchKind kind) {
  switch (kind) {
    case ModemMatchKind::kImei: return "imei";
    case ModemMatchKind::kDevice: return "device";
    case ModemMatchKind::kIccid: return "iccid";
  }
  return "?";
}

const char* BearerIpTypeName(BearerIpType type) {
  switch (type) {
    case BearerIpType::kIpv4: return "ipv4";
    case BearerIpType::kIpv6: return "ipv6";
    case BearerIpType::kIpv4v6: return "ipv4v6";
  }
  return "?";
}

const char* AuthMethodName(AuthMethod method) {
  switch (method) {
    case AuthMethod::kNone: return "none";
    case AuthMethod::kPap: return "pap";
    case AuthMethod::kChap: return "chap";
    case AuthMethod::kMschap: return "mschap";
    case AuthMethod::kMschapv2: return "mschapv2";
    case AuthMethod::kEap: return "eap";
  }
  return "?";
}

std::optional<ModemMatchKind> ParseModemMatchKind(std::string_view text) {
  for (auto kind : {ModemMatchKind::kImei, ModemMatchKind::kDevice, ModemMatchKind::kIccid}) {
    if (text == ModemMatchKindName(kind)) return kind;
  }
  return std::nullopt;
}

std::optional<BearerIpType> ParseBearerIpType(std::string_view text) {
  for (auto type : {BearerIpType::kIpv4, BearerIpType::kIpv6, BearerIpType::kIpv4v6}) {
    if (text == BearerIpTypeName(type)) return type;
  }
  return std::nullopt;
}

std::optional<AuthMethod> ParseAuthMethod(std::string_view text) {
  for (auto method : {AuthMethod::kNone, AuthMethod::kPap, AuthMethod::kChap, AuthMethod::kMschap,
                      AuthMethod::kMschapv2, AuthMethod::kEap}) {
    if (text == AuthMethodName(method)) return method;
  }
  return std::nullopt;
}

}  // namespace uplinkd::modem
