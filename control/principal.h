#pragma once
// Who asks for a command, as the transport vouches for it (never what the caller claims): a local
// user as the bus daemon reports the connection, and later an SMS key id and a remote-management
// identity. A caller the transport could not identify is a principal too, so that the refusal is
// audited; it holds no permission.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace uplinkd::control {

enum class PrincipalKind : uint8_t { kLocalUser, kSmsKey, kRemoteIdentity, kUnidentified };
inline constexpr PrincipalKind kPrincipalKinds[] = {PrincipalKind::kLocalUser, PrincipalKind::kSmsKey,
                                                    PrincipalKind::kRemoteIdentity, PrincipalKind::kUnidentified};
const char* PrincipalKindName(PrincipalKind kind);  // "uid", "sms", "remote", "unidentified"

struct Principal {
  PrincipalKind kind = PrincipalKind::kUnidentified;
  // kLocalUser: the uid and the process's groups (the bus's UnixGroupIDs, or the user database's
  // groups of the uid when the bus does not say).
  uint32_t uid = 0;
  std::vector<uint32_t> gids;
  // kSmsKey: the key id; kRemoteIdentity: the identity; kUnidentified: why it is unknown.
  std::string id;
  // How it came, for the audit: "dbus :1.42 pid 812".
  std::string via;

  static Principal LocalUser(uint32_t uid, std::vector<uint32_t> gids, std::string via);
  static Principal SmsKey(std::string key_id, std::string via);
  static Principal RemoteIdentity(std::string identity, std::string via);
  static Principal Unidentified(std::string why, std::string via);

  // "uid:1001", "sms:key-1", "remote:ops@fleet", "unidentified". Verbatim: escape it before it is
  // logged (the executor does, for the log and the audit).
  std::string Name() const;
};

}  // namespace uplinkd::control
