#pragma once
// Who may call a method that changes something: root, and members of the configured group.
// Reading is open to everybody and never asks. A pure decision: the group's id and, when the bus
// does not report a caller's groups, the user database lookup are given to it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dbus/caller_credentials.h"

namespace uplinkd::dbus {

class MutationAccessPolicy {
 public:
  // The groups a user belongs to by the user database (primary and supplementary).
  using GroupsOfUser = std::function<std::vector<uint32_t>(uint32_t uid)>;

  // `group_gid` is nullopt when the group does not exist here: then only root may change things.
  MutationAccessPolicy(std::string group_name, std::optional<uint32_t> group_gid, GroupsOfUser groups_of_user);

  // nullopt when the caller may; else why not, for the caller and the log.
  std::optional<std::string> Refusal(const CallerCredentials& caller) const;

  const std::string& group_name() const { return group_name_; }
  std::optional<uint32_t> group_gid() const { return group_gid_; }

  // Resolves `group_name` and looks groups up in the system's user database (NSS).
  static MutationAccessPolicy FromSystem(const std::string& group_name);

 private:
  std::string group_name_;
  std::optional<uint32_t> group_gid_;
  GroupsOfUser groups_of_user_;
};

}  // namespace uplinkd::dbus
