#include "control/system_accounts.h"

#include <grp.h>
#include <pwd.h>

namespace uplinkd::control {

AccountResolver SystemAccountResolver() {
  AccountResolver resolver;
  resolver.user_id = [](const std::string& user) -> std::optional<uint32_t> {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return std::nullopt;
    return found->pw_uid;
  };
  resolver.group_id = [](const std::string& group) -> std::optional<uint32_t> {
    std::vector<char> buffer(16384);
    struct group entry{};
    struct group* found = nullptr;
    if (::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return std::nullopt;
    return found->gr_gid;
  };
  return resolver;
}

std::vector<uint32_t> SystemGroupsOfUser(uint32_t uid) {
  std::vector<uint32_t> groups;
  std::vector<char> storage(16384);
  passwd account{};
  passwd* user = nullptr;
  if (::getpwuid_r(uid, &account, storage.data(), storage.size(), &user) != 0 || !user) return groups;
  int count = 64;
  std::vector<gid_t> list(static_cast<size_t>(count));
  if (::getgrouplist(user->pw_name, user->pw_gid, list.data(), &count) < 0) {
    list.resize(static_cast<size_t>(count));
    if (::getgrouplist(user->pw_name, user->pw_gid, list.data(), &count) < 0) return groups;
  }
  groups.assign(list.begin(), list.begin() + count);
  return groups;
}

}  // namespace uplinkd::control
