#include "dbus/mutation_access_policy.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>

namespace uplinkd::dbus {

MutationAccessPolicy::MutationAccessPolicy(std::string group_name, std::optional<uint32_t> group_gid,
                                           GroupsOfUser groups_of_user)
    : group_name_(std::move(group_name)), group_gid_(group_gid), groups_of_user_(std::move(groups_of_user)) {}

std::optional<std::string> MutationAccessPolicy::Refusal(const CallerCredentials& caller) const {
  if (caller.uid == 0) return std::nullopt;
  if (!group_gid_) {
    return "only root may change uplinkd's state (group \"" + group_name_ + "\" does not exist on this system)";
  }
  // The process's own groups when the bus reports them; else the user's groups by the user
  // database, which is what the bus's policy file (<policy group=...>) goes by.
  std::vector<uint32_t> groups = caller.gids ? *caller.gids : groups_of_user_(caller.uid);
  if (std::find(groups.begin(), groups.end(), *group_gid_) != groups.end()) return std::nullopt;
  return "uid " + std::to_string(caller.uid) + " is neither root nor a member of group \"" + group_name_ + "\"";
}

MutationAccessPolicy MutationAccessPolicy::FromSystem(const std::string& group_name) {
  std::optional<uint32_t> gid;
  std::vector<char> buffer(16384);
  struct group entry{};
  struct group* found = nullptr;
  if (::getgrnam_r(group_name.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 && found) {
    gid = found->gr_gid;
  }
  auto groups_of_user = [](uint32_t uid) {
    std::vector<uint32_t> groups;
    std::vector<char> storage(16384);
    passwd account{};
    passwd* user = nullptr;
    if (::getpwuid_r(uid, &account, storage.data(), storage.size(), &user) != 0 || !user) return groups;
    int count = 64;
    std::vector<gid_t> list(count);
    if (::getgrouplist(user->pw_name, user->pw_gid, list.data(), &count) < 0) {
      list.resize(count);
      if (::getgrouplist(user->pw_name, user->pw_gid, list.data(), &count) < 0) return groups;
    }
    groups.assign(list.begin(), list.begin() + count);
    return groups;
  };
  return MutationAccessPolicy(group_name, gid, groups_of_user);
}

}  // namespace uplinkd::dbus
