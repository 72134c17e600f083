#pragma once
// One entry of a [control] role list: which principals it names. "uid:1001", "gid:990",
// "user:alice", "group:uplinkd" (local users; names are resolved to ids when the table is built),
// "sms:KEYID", "remote:IDENTITY", or "*" (every identified principal).
#include <cstdint>
#include <string>

#include "base/result.h"
#include "control/principal.h"

namespace uplinkd::control {

struct PrincipalSelector {
  enum class Kind : uint8_t { kEveryone, kUid, kGid, kUser, kGroup, kSmsKey, kRemoteIdentity };
  Kind kind = Kind::kEveryone;
  uint32_t number = 0;  // kUid, kGid
  std::string name;     // kUser, kGroup, kSmsKey, kRemoteIdentity

  // kInvalidArgument says what is wrong with `text`.
  static Result<PrincipalSelector> Parse(const std::string& text);
  // Whether it names `principal`. kUser and kGroup (unresolved names) name nobody.
  bool Matches(const Principal& principal) const;
  std::string ToString() const;
  friend bool operator==(const PrincipalSelector&, const PrincipalSelector&) = default;
};

}  // namespace uplinkd::control
