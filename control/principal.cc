#include "control/principal.h"

namespace uplinkd::control {

const char* PrincipalKindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kLocalUser: return "uid";
    case PrincipalKind::kSmsKey: return "sms";
    case PrincipalKind::kRemoteIdentity: return "remote";
    case PrincipalKind::kUnidentified: return "unidentified";
  }
  return "?";
}

Principal Principal::LocalUser(uint32_t uid, std::vector<uint32_t> gids, std::string via) {
  return {PrincipalKind::kLocalUser, uid, std::move(gids), "", std::move(via)};
}
Principal Principal::SmsKey(std::string key_id, std::string via) {
  return {PrincipalKind::kSmsKey, 0, {}, std::move(key_id), std::move(via)};
}
Principal Principal::RemoteIdentity(std::string identity, std::string via) {
  return {PrincipalKind::kRemoteIdentity, 0, {}, std::move(identity), std::move(via)};
}
Principal Principal::Unidentified(std::string why, std::string via) {
  return {PrincipalKind::kUnidentified, 0, {}, std::move(why), std::move(via)};
}

std::string Principal::Name() const {
  switch (kind) {
    case PrincipalKind::kLocalUser: return "uid:" + std::to_string(uid);
    case PrincipalKind::kSmsKey: return "sms:" + id;
    case PrincipalKind::kRemoteIdentity: return "remote:" + id;
    case PrincipalKind::kUnidentified: return "unidentified";
  }
  return "?";
}

}  // namespace uplinkd::control
