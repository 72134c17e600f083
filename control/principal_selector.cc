#include "control/principal_selector.h"

#include <algorithm>
#include <charconv>
#include <regex>

namespace uplinkd::control {
namespace {

std::optional<uint32_t> ParseId(const std::string& text) {
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<PrincipalSelector> PrincipalSelector::Parse(const std::string& text) {
  // User and group names as useradd/groupadd accept them; key ids and identities printable.
  static const std::regex kAccountName("[A-Za-z_][A-Za-z0-9_.-]{0,31}");
  static const std::regex kIdentity("[A-Za-z0-9_.@:+=/-]{1,128}");
  if (text == "*") return PrincipalSelector{};
  auto colon = text.find(':');
  if (colon == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "\"" + text + "\" is not uid:N, gid:N, user:NAME, group:NAME, sms:KEY, remote:ID or *");
  }
  std::string prefix = text.substr(0, colon);
  std::string value = text.substr(colon + 1);
  PrincipalSelector selector;
  if (prefix == "uid" || prefix == "gid") {
    auto id = ParseId(value);
    if (!id) return MakeError(ErrorCode::kInvalidArgument, "\"" + text + "\": " + prefix + " must be a number");
    selector.kind = prefix == "uid" ? Kind::kUid : Kind::kGid;
    selector.number = *id;
    return selector;
  }
  if (prefix == "user" || prefix == "group") {
    if (!std::regex_match(value, kAccountName)) {
      return MakeError(ErrorCode::kInvalidArgument, "\"" + text + "\": not a valid " + prefix + " name");
    }
    selector.kind = prefix == "user" ? Kind::kUser : Kind::kGroup;
    selector.name = value;
    return selector;
  }
  if (prefix == "sms" || prefix == "remote") {
    if (!std::regex_match(value, kIdentity)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "\"" + text + "\": 1-128 characters of letters, digits and _ . @ : + = / -");
    }
    selector.kind = prefix == "sms" ? Kind::kSmsKey : Kind::kRemoteIdentity;
    selector.name = value;
    return selector;
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "\"" + text + "\": unknown kind \"" + prefix + "\" (uid, gid, user, group, sms, remote)");
}

bool PrincipalSelector::Matches(const Principal& principal) const {
  if (principal.kind == PrincipalKind::kUnidentified) return false;
  switch (kind) {
    case Kind::kEveryone: return true;
    case Kind::kUid: return principal.kind == PrincipalKind::kLocalUser && principal.uid == number;
    case Kind::kGid:
      return principal.kind == PrincipalKind::kLocalUser &&
             std::find(principal.gids.begin(), principal.gids.end(), number) != principal.gids.end();
    case Kind::kUser:
    case Kind::kGroup: return false;
    case Kind::kSmsKey: return principal.kind == PrincipalKind::kSmsKey && principal.id == name;
    case Kind::kRemoteIdentity: return principal.kind == PrincipalKind::kRemoteIdentity && principal.id == name;
  }
  return false;
}

std::string PrincipalSelector::ToString() const {
  switch (kind) {
    case Kind::kEveryone: return "*";
    case Kind::kUid: return "uid:" + std::to_string(number);
    case Kind::kGid: return "gid:" + std::to_string(number);
    case Kind::kUser: return "user:" + name;
    case Kind::kGroup: return "group:" + name;
    case Kind::kSmsKey: return "sms:" + name;
    case Kind::kRemoteIdentity: return "remote:" + name;
  }
  return "?";
}

}  // namespace uplinkd::control
